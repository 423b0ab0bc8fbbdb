//! The address a request came from, for limits on guessing: the peer
//! address, unless the peer is a trusted proxy (`trusted_proxies`), in which
//! case the nearest `X-Forwarded-For` hop that is not a trusted proxy.
//! Hops are read from the right: everything left of the first untrusted hop
//! was written by the client and proves nothing.

use std::net::IpAddr;

use actix_web::HttpRequest;
use atrium_core::Cidr;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, `None` only when the connection has none (a test
/// request without a socket).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[Cidr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(peer) {
        return Some(peer);
    }
    // Every X-Forwarded-For header, in order, as one list of hops.
    let hops: Vec<&str> = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // A hop that is not an address (`unknown`, garbage) ends the
        // chain: the last trusted proxy vouched for nothing beyond it.
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    Some(client)
}

/// `203.0.113.9`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.9:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    fn from(peer: &str, forwarded: &[&str]) -> TestRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        for value in forwarded {
            req = req.insert_header((X_FORWARDED_FOR, *value));
        }
        req
    }

    fn client(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let req = from(peer, forwarded).to_http_request();
        client_address(&req, &cidrs(trusted)).unwrap().to_string()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        // No trusted proxies: the header is the client's to write.
        assert_eq!(
            client("198.51.100.1", &["203.0.113.9"], &[]),
            "198.51.100.1"
        );
        // An untrusted peer: the same.
        assert_eq!(
            client("198.51.100.1", &["203.0.113.9"], &["10.0.0.0/8"]),
            "198.51.100.1"
        );
        // Behind a trusted proxy: the nearest untrusted hop, whatever the
        // client wrote to the left of it.
        assert_eq!(
            client(
                "10.0.0.2",
                &["6.6.6.6, 203.0.113.9, 10.0.0.7"],
                &["10.0.0.0/8"]
            ),
            "203.0.113.9"
        );
        // Two headers make one list.
        assert_eq!(
            client(
                "10.0.0.2",
                &["6.6.6.6", "203.0.113.9:4711"],
                &["10.0.0.0/8"]
            ),
            "203.0.113.9"
        );
        // Garbage ends the chain at the last address a proxy vouched for.
        assert_eq!(
            client(
                "10.0.0.2",
                &["203.0.113.9, unknown, 10.0.0.7"],
                &["10.0.0.0/8"]
            ),
            "10.0.0.7"
        );
        // Trusted proxy, no header: the proxy itself.
        assert_eq!(client("10.0.0.2", &[], &["10.0.0.0/8"]), "10.0.0.2");
    }
}
