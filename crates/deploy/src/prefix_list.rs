//! The Region's S3 managed prefix list (`com.amazonaws.<region>.s3`), which the runtime security
//! group's HTTPS egress to S3 names. CloudFormation cannot look it up (no attribute of
//! `AWS::EC2::VPCEndpoint` gives it, and no public SSM parameter holds it), so a config without
//! `s3_prefix_list_id` synthesizes a stack parameter, and deploy fills it from
//! `ec2:DescribeManagedPrefixLists`: a user never looks the ID up, and synth, check and dev stay
//! offline for every Region.
//!
//! One EC2 query call, signed with SigV4 here, instead of the `aws-sdk-ec2` crate: that crate is
//! the largest of the AWS SDK for Rust and would add minutes to every cold build for this call.

use crate::{AwsFailure, DeployError, StackPlan};

/// The stack parameter that takes the prefix list's ID when the config does not give it.
pub const PARAMETER: &str = "S3PrefixListId";

const OPERATION: &str = "ec2:DescribeManagedPrefixLists";

/// Fills [`PARAMETER`] of every plan whose template declares it and that has no value yet.
pub async fn fill(config: &aws_config::SdkConfig, plans: &mut [StackPlan]) -> Result<(), DeployError> {
    let wanted = |p: &StackPlan| {
        p.parameters.get(PARAMETER).is_none_or(|v| v.is_empty())
            && serde_json::from_str::<serde_json::Value>(&p.template)
                .is_ok_and(|t| t["Parameters"].get(PARAMETER).is_some())
    };
    if !plans.iter().any(wanted) {
        return Ok(());
    }
    let id = s3_prefix_list(config).await?;
    for p in plans.iter_mut().filter(|p| wanted(p)) {
        p.parameters.insert(PARAMETER.to_string(), id.clone());
    }
    Ok(())
}

/// The ID of `com.amazonaws.<region>.s3` in the configuration's Region.
pub async fn s3_prefix_list(config: &aws_config::SdkConfig) -> Result<String, DeployError> {
    let region = crate::signed::region(config);
    let name = format!("com.amazonaws.{region}.s3");
    let subject = format!("prefix list {name}");
    let fail = |m: String| DeployError::Aws(Box::new(AwsFailure::plain(OPERATION, Some(&subject), m)));
    let body = format!(
        "Action=DescribeManagedPrefixLists&Version=2016-11-15&Filter.1.Name=prefix-list-name&Filter.1.Value.1={name}"
    );
    let endpoint = crate::signed::endpoint(config, "EC2", &format!("https://ec2.{region}.amazonaws.com"));
    let form = "application/x-www-form-urlencoded; charset=utf-8";
    let call = crate::signed::Call {
        service: "ec2",
        method: "POST",
        url: format!("{endpoint}/"),
        body,
        content_type: Some(form),
    };
    let answer = crate::signed::send(config, &region, call)
        .await
        .map_err(|e| crate::DeployError::Aws(Box::new(e.into_failure(OPERATION, &subject))))?;
    let (status, text) = (answer.status, String::from_utf8_lossy(&answer.body));
    if !status.is_success() {
        let failure = AwsFailure {
            code: element(&text, "Code").or_else(|| Some(format!("HTTP {}", status.as_u16()))),
            request_id: element(&text, "RequestID").or_else(|| element(&text, "requestId")).or(answer.request_id),
            ..AwsFailure::plain(OPERATION, Some(&subject), element(&text, "Message").unwrap_or_default())
        };
        return Err(DeployError::Aws(Box::new(failure)));
    }
    element(&text, "prefixListId").ok_or_else(|| {
        fail(format!("the Region has no managed prefix list {name}; set s3_prefix_list_id in [network]"))
    })
}

/// The text of the first `<name>...</name>` in an XML answer.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_read_from_the_answer() {
        let ok = "<DescribeManagedPrefixListsResponse><prefixListSet><item><prefixListId>pl-63a5400a</prefixListId></item></prefixListSet></DescribeManagedPrefixListsResponse>";
        assert_eq!(element(ok, "prefixListId").as_deref(), Some("pl-63a5400a"));
        let err = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r-1</RequestID></Response>";
        assert_eq!(element(err, "Code").as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(element(err, "RequestID").as_deref(), Some("r-1"));
        assert_eq!(element("<a>", "a"), None);
    }
}
