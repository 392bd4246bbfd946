//! The flattened form of a prefix set, which every layout is built from: the
//! sorted list of disjoint address ranges, each with the entry its longest matching
//! prefix names (adjacent ranges with the same answer merged).

/// The value of a range no prefix covers.
pub(crate) const NONE: u32 = u32::MAX;

/// Flattens sorted, de-duplicated, canonical `(network, length)` prefixes (sorted by
/// network, then length) into disjoint ranges `(start, entry)`, the first starting
/// at 0, adjacent ranges having different entries.
pub(crate) fn flatten(prefixes: &[(u128, u8)]) -> Vec<(u128, u32)> {
    let mut out: Vec<(u128, u32)> = vec![(0, NONE)];
    let mut emit = |start: u128, value: u32| {
        let last = out.len() - 1;
        if out[last].0 == start {
            out[last].1 = value;
            if last > 0 && out[last - 1].1 == value {
                out.pop();
            }
        } else if out[last].1 != value {
            out.push((start, value));
        }
    };
    // open prefixes, innermost last: (last address, entry)
    let mut stack: Vec<(u128, u32)> = Vec::new();
    for (i, &(net, len)) in prefixes.iter().enumerate() {
        let last = net | host_mask(len);
        while let Some(&(end, _)) = stack.last() {
            if end >= net {
                break;
            }
            stack.pop();
            emit(end + 1, stack.last().map_or(NONE, |s| s.1));
        }
        emit(net, i as u32);
        stack.push((last, i as u32));
    }
    while let Some((end, _)) = stack.pop() {
        if end == u128::MAX {
            break;
        }
        emit(end + 1, stack.last().map_or(NONE, |s| s.1));
    }
    out
}

/// The host part of a prefix of length `len`.
pub(crate) const fn host_mask(len: u8) -> u128 {
    match u128::MAX.checked_shr(len as u32) {
        Some(m) => m,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (u128, u8) {
        let n: ipnet::Ipv6Net = s.parse().unwrap();
        (u128::from(n.network()), n.prefix_len())
    }

    #[test]
    fn flatten_of_nothing_is_one_empty_range() {
        assert_eq!(flatten(&[]), vec![(0, NONE)]);
    }

    #[test]
    fn flatten_of_the_default_route_covers_everything() {
        assert_eq!(flatten(&[p("::/0")]), vec![(0, 0)]);
    }

    #[test]
    fn flatten_nests_and_merges() {
        // /32 with a /48 inside it at its very start and a /128 at the end of space
        let set = [
            p("2001:db8::/32"),
            p("2001:db8::/48"),
            p("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"),
        ];
        let r = flatten(&set);
        let a = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!(
            r,
            vec![
                (0, NONE),
                (a("2001:db8::"), 1),
                (a("2001:db8:1::"), 0),
                (a("2001:db9::"), NONE),
                (u128::MAX, 2)
            ]
        );
    }
}
