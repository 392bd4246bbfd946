//! The name rules: what a farm, server or entry-point name may be, and what a name
//! of an existing BIG-IP object (partition, VLAN, monitor) must look like.
//!
//! Names end up in scripts that run as root on a BIG-IP, in AS3 declarations and in
//! router configuration, and they come from untrusted places (a farm file edited by
//! many hands, `PSComputerName` of a remote machine, a running configuration). One
//! rule for all of them keeps every output language simple:
//!
//! - **Farm, server and entry-point names** are 1 to [`MAX_NAME_LEN`] (63)
//!   characters, each a letter, digit, `.`, `_` or `-`: what DNS labels, NetBIOS
//!   computer names and BIG-IP object names have in common (`2-EDGE1` is valid).
//! - **Names of existing BIG-IP objects** follow the grammar F5 publishes in the AS3
//!   schema (3.56, `definitions.ADC.propertyNames` for tenants, i.e. partitions,
//!   and `definitions.Application.propertyNames` for objects): a partition is one
//!   folder name `^[A-Za-z][0-9A-Za-z_.-]*$` (at most 190 characters, no `/`); a
//!   VLAN or monitor is `name` (in `/Common`) or a full path `/folder/.../name`
//!   whose every component is `^[A-Za-z]([0-9A-Za-z_.-]*[0-9A-Za-z_.])?$`, and
//!   whose full path is a valid AS3 `f5bigip` reference (`src/lib/adcParserFormats.js`).
//!
//! Nothing outside these rules ever reaches a renderer: a farm with such a name has
//! error MO018, whose help gives the nearest valid name ([`nearest_valid`]).
//!
//! ```
//! use manageout::names;
//! assert!(names::check("2-EDGE1").is_ok());
//! assert!(names::check("DA1$(touch PWNED)").is_err());
//! assert_eq!(names::nearest_valid("DA1$(touch PWNED)"), "DA1-touch-PWNED");
//! assert!(names::check_partition("Common").is_ok());
//! assert!(names::check_partition("Common/sub").is_err());
//! assert!(names::check_object_path("/Common/internal").is_ok());
//! assert!(names::check_object_path("internal vlan").is_err());
//! ```

use std::fmt;

/// The longest farm, server or entry-point name: 63 characters (a DNS label).
pub const MAX_NAME_LEN: usize = 63;

/// The longest BIG-IP object name or path component accepted (AS3's limit).
pub const MAX_OBJECT_NAME_LEN: usize = 190;

/// Why a name breaks its rule.
///
/// ```
/// use manageout::names::{check, NameProblem};
/// assert_eq!(check(""), Err(NameProblem::Empty));
/// assert_eq!(check("DA 1"), Err(NameProblem::Character(' ')));
/// assert_eq!(check(&"a".repeat(64)), Err(NameProblem::TooLong(64)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name has this many characters, more than allowed.
    TooLong(usize),
    /// The name holds a character outside the rule.
    Character(char),
    /// The name must start with a letter.
    Start(char),
    /// The name must not end with this character.
    End(char),
    /// A `/` where no path is allowed, or a path component that is empty.
    Path,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("is empty"),
            Self::TooLong(n) => write!(f, "has {n} characters, more than allowed"),
            Self::Character(c) if c.is_control() || !c.is_ascii() => {
                write!(f, "contains the character {}", c.escape_unicode())
            }
            Self::Character(c) => write!(f, "contains `{c}`"),
            Self::Start(c) if c.is_control() || !c.is_ascii() => {
                write!(f, "starts with {}, not a letter", c.escape_unicode())
            }
            Self::Start(c) => write!(f, "starts with `{c}`, not a letter"),
            Self::End(c) => write!(f, "ends with `{c}`"),
            Self::Path => f.write_str("is not one name (a `/` or an empty path component)"),
        }
    }
}

/// Whether `c` may appear in a farm, server or entry-point name.
pub const fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Checks a farm, server or entry-point name against the name rule.
pub fn check(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if let Some(c) = name.chars().find(|c| !is_name_char(*c)) {
        return Err(NameProblem::Character(c));
    }
    // every character is ASCII now, so bytes are characters
    if name.len() > MAX_NAME_LEN {
        return Err(NameProblem::TooLong(name.len()));
    }
    Ok(())
}

/// The valid name nearest to `name`: every run of characters outside the rule
/// becomes one `-`, leading and trailing `-` are dropped, and the result is cut to
/// [`MAX_NAME_LEN`]; `DA1` when nothing is left.
///
/// ```
/// use manageout::names::nearest_valid;
/// assert_eq!(nearest_valid("DA 1"), "DA-1");
/// assert_eq!(nearest_valid("`id`"), "id");
/// assert_eq!(nearest_valid("$()"), "DA1");
/// assert_eq!(nearest_valid("Édge"), "dge");
/// ```
pub fn nearest_valid(name: &str) -> String {
    let mut out = String::with_capacity(name.len().min(MAX_NAME_LEN));
    let mut gap = false;
    for c in name.chars() {
        if is_name_char(c) {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
        if out.len() >= MAX_NAME_LEN {
            break;
        }
    }
    out.truncate(MAX_NAME_LEN);
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "DA1".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Checks a BIG-IP partition (an AS3 tenant): one folder name,
/// `^[A-Za-z][0-9A-Za-z_.-]*$`, at most [`MAX_OBJECT_NAME_LEN`] characters.
pub fn check_partition(name: &str) -> Result<(), NameProblem> {
    if name.contains('/') {
        return Err(NameProblem::Path);
    }
    folder_name(name, false)
}

/// Checks a name that refers to an existing BIG-IP object (a VLAN, a monitor):
/// `name` or `/folder/.../name`, every component an AS3 object name, the whole a
/// valid `f5bigip` reference once `/Common/` is put before a bare name.
pub fn check_object_path(path: &str) -> Result<(), NameProblem> {
    let rest = match path.strip_prefix('/') {
        Some(rest) => {
            // a full path needs a folder and a name
            if !rest.contains('/') {
                return Err(NameProblem::Path);
            }
            rest
        }
        None => path,
    };
    if rest.is_empty() {
        return Err(NameProblem::Empty);
    }
    for component in rest.split('/') {
        if component.is_empty() {
            return Err(NameProblem::Path);
        }
        folder_name(component, true)?;
    }
    Ok(())
}

/// An AS3 tenant name (`strict_end` false) or object name (`strict_end` true: it
/// must not end with `-`).
fn folder_name(name: &str, strict_end: bool) -> Result<(), NameProblem> {
    let Some(first) = name.chars().next() else {
        return Err(NameProblem::Empty);
    };
    if !first.is_ascii_alphabetic() {
        return Err(NameProblem::Start(first));
    }
    if let Some(c) = name.chars().find(|c| !is_name_char(*c)) {
        return Err(NameProblem::Character(c));
    }
    if strict_end && name.ends_with('-') {
        return Err(NameProblem::End('-'));
    }
    if name.len() > MAX_OBJECT_NAME_LEN {
        return Err(NameProblem::TooLong(name.len()));
    }
    Ok(())
}

/// The full BIG-IP path of a name that refers to an existing object: a bare name
/// lives in `/Common`.
///
/// ```
/// assert_eq!(manageout::names::common_path("internal"), "/Common/internal");
/// assert_eq!(manageout::names::common_path("/Part/vlan10"), "/Part/vlan10");
/// ```
pub fn common_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/Common/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_source_articles_names_and_dns_style_names_are_valid() {
        for n in [
            "DA1",
            "DA2",
            "2-EDGE1",
            "edge1.contoso.com",
            "Site_1",
            "a",
            &"x".repeat(63),
        ] {
            assert_eq!(check(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn shell_and_terminal_metacharacters_are_refused() {
        for n in [
            "DA1$(touch PWNED)",
            "DA1`id`",
            "a;b",
            "a b",
            "a\nb",
            "a\u{1b}[31m",
            "ü",
            "a/b",
        ] {
            assert!(check(n).is_err(), "{n:?}");
        }
    }

    #[test]
    fn partitions_are_one_folder_name() {
        for bad in [
            "/Common",
            "..",
            "Common/..",
            "Common/sub",
            "",
            "1part",
            ".hidden",
        ] {
            assert!(check_partition(bad).is_err(), "{bad}");
        }
        for good in ["Common", "ManageOut", "DA_2.prod-x"] {
            assert_eq!(check_partition(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn object_paths_are_names_or_full_paths_of_names() {
        for good in [
            "internal",
            "/Common/internal",
            "/Part/app.app/vlan_10",
            "gateway_icmp",
        ] {
            assert_eq!(check_object_path(good), Ok(()), "{good}");
        }
        for bad in [
            "/internal",
            "//Common/x",
            "/Common/",
            "a b",
            "/Common/../x",
            "x-",
            "/Common/$x",
        ] {
            assert!(check_object_path(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn the_nearest_valid_name_is_valid_and_keeps_a_valid_name(name in "\\PC{0,100}") {
            let near = nearest_valid(&name);
            prop_assert_eq!(check(&near), Ok(()));
            if check(&name).is_ok() && !name.starts_with('-') && !name.ends_with('-') {
                prop_assert_eq!(near, name);
            }
        }
    }
}
