//! IPv4 CIDR blocks: parsing, containment, overlap and subdivision for subnet planning.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 CIDR block such as `10.0.0.0/16`, with no host bits set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl Cidr {
    fn mask(prefix: u8) -> u32 {
        if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
    }

    /// The prefix length.
    pub fn prefix(self) -> u8 {
        self.prefix
    }

    fn last(self) -> u32 {
        self.base | !Cidr::mask(self.prefix)
    }

    /// Whether `other` lies wholly inside this block.
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.base & Cidr::mask(self.prefix) == self.base
    }

    /// Whether the two blocks share any address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.base <= other.last() && other.base <= self.last()
    }

    /// The `index`-th block of prefix length `prefix` inside this one, if there is one.
    pub fn subnet(self, prefix: u8, index: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let count = 1u64 << (prefix - self.prefix);
        if u64::from(index) >= count {
            return None;
        }
        let size = if prefix == 32 { 1 } else { 1u32 << (32 - prefix) };
        Some(Cidr { base: self.base + index * size, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

/// Why a CIDR block did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an IPv4 CIDR block: {reason}")]
pub struct CidrError {
    text: String,
    reason: String,
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = |reason: String| CidrError { text: s.to_string(), reason };
        let (addr, prefix) =
            s.split_once('/').ok_or_else(|| err("expected ADDRESS/PREFIX such as 10.0.0.0/16".into()))?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| err(format!("`{addr}` is not an IPv4 address")))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| err(format!("prefix `{prefix}` is not a number from 0 to 32")))?;
        let base = u32::from(addr);
        if base & !Cidr::mask(prefix) != 0 {
            let fixed = Cidr { base: base & Cidr::mask(prefix), prefix };
            return Err(err(format!("host bits are set; did you mean {fixed}?")));
        }
        Ok(Cidr { base, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parse_contain_overlap_subdivide() {
        assert_eq!(c("10.0.0.0/16").to_string(), "10.0.0.0/16");
        assert!(c("10.0.0.0/16").contains(c("10.0.16.0/20")));
        assert!(!c("10.0.0.0/16").contains(c("10.1.0.0/20")));
        assert!(c("10.0.0.0/20").overlaps(c("10.0.15.0/24")));
        assert!(!c("10.0.0.0/20").overlaps(c("10.0.16.0/24")));
        assert_eq!(c("10.0.0.0/16").subnet(20, 1), Some(c("10.0.16.0/20")));
        assert_eq!(c("10.0.0.0/16").subnet(20, 16), None);
        assert_eq!(c("10.0.0.0/16").subnet(8, 0), None);
    }

    #[test]
    fn parse_errors_say_why() {
        assert!("10.0.0.0".parse::<Cidr>().unwrap_err().to_string().contains("ADDRESS/PREFIX"));
        assert!("10.0.0.300/16".parse::<Cidr>().unwrap_err().to_string().contains("not an IPv4 address"));
        assert!("10.0.0.0/33".parse::<Cidr>().unwrap_err().to_string().contains("0 to 32"));
        assert!("10.0.0.1/16".parse::<Cidr>().unwrap_err().to_string().contains("did you mean 10.0.0.0/16"));
    }
}
