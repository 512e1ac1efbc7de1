//! The lifecycle policy against ECR's documented evaluation rules (Amazon ECR User Guide,
//! "Lifecycle policy evaluation rules"): rules apply lowest priority number first; an image that
//! matches a higher-priority rule's tag selection cannot be expired by a lower-priority rule;
//! `tagPrefixList` matches when every prefix matches one of the image's tags; counts keep the
//! most recently pushed images.

use serde_json::Value;

use super::*;

/// An image: when it was pushed (days), and its tags.
struct Image {
    pushed_day: u32,
    tags: Vec<String>,
}

/// The indexes of the images the policy expires on day `today`.
fn expired(policy: &str, images: &[Image], today: u32) -> Vec<usize> {
    let policy: Value = serde_json::from_str(policy).unwrap();
    let mut rules: Vec<&Value> = policy["rules"].as_array().unwrap().iter().collect();
    rules.sort_by_key(|r| r["rulePriority"].as_u64().unwrap());
    let mut claimed = vec![false; images.len()];
    let mut out = Vec::new();
    for rule in rules {
        let sel = &rule["selection"];
        let prefixes: Vec<&str> = sel["tagPrefixList"]
            .as_array()
            .map(|p| p.iter().map(|p| p.as_str().unwrap()).collect())
            .unwrap_or_default();
        let mut matched: Vec<usize> = (0..images.len())
            .filter(|&i| !claimed[i])
            .filter(|&i| match sel["tagStatus"].as_str().unwrap() {
                "untagged" => images[i].tags.is_empty(),
                "tagged" => prefixes.iter().all(|p| images[i].tags.iter().any(|t| t.starts_with(p))),
                _ => true,
            })
            .collect();
        for &i in &matched {
            claimed[i] = true;
        }
        let n = sel["countNumber"].as_u64().unwrap() as u32;
        match sel["countType"].as_str().unwrap() {
            "imageCountMoreThan" => {
                matched.sort_by_key(|&i| std::cmp::Reverse(images[i].pushed_day));
                out.extend(matched.into_iter().skip(n as usize));
            }
            _ => out.extend(matched.into_iter().filter(|&i| today - images[i].pushed_day > n)),
        }
    }
    out.sort();
    out
}

/// 40 builds a day apart; the first was deployed (and an endpoint may still be pinned to it),
/// the rest were only built; one untagged leftover.
fn history() -> Vec<Image> {
    let mut images: Vec<Image> = (0..40).map(|d| Image { pushed_day: d, tags: vec![format!("agent-{d}")] }).collect();
    images[0].tags.push(format!("{DEPLOYED_TAG_PREFIX}agent-v1"));
    images.push(Image { pushed_day: 5, tags: vec![] });
    images
}

#[test]
fn an_image_a_deploy_ran_on_outlives_any_number_of_builds() {
    let gone = expired(&lifecycle_policy_text(30), &history(), 40);
    assert!(!gone.contains(&0), "the deployed image expired: {gone:?}");
    // Of the 39 undeployed builds the newest 30 stay; the untagged one goes.
    assert_eq!(gone, (1..=9).chain([40]).collect::<Vec<_>>());
}

#[test]
fn without_the_deployed_rule_the_pinned_image_would_expire() {
    // The policy before this rule: untagged after a day, then the newest N of any tag.
    let old: Value = serde_json::from_str(&lifecycle_policy_text(30)).unwrap();
    let rules: Vec<Value> = old["rules"].as_array().unwrap()[1..].to_vec();
    let old = serde_json::json!({ "rules": rules }).to_string();
    assert!(expired(&old, &history(), 40).contains(&0));
}
