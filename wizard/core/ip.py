"""Which IP addresses the internet cannot reach: one rule for the checks and the reports.

Loopback, link-local, unspecified, RFC 1918, carrier-grade NAT (RFC 6598) and unique
local IPv6. Not ``ipaddress``'s ``is_private``, which also counts the documentation
ranges (203.0.113.0/24 …) as private: the sandbox's public world lives there, and an
anonymized report's public addresses are taken from there.
"""

from __future__ import annotations

import ipaddress

_INTERNAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


def parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address (an IPv4-mapped IPv6 one as IPv4; a zone index dropped), or None."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def internal(address: str) -> bool:
    """Can the internet not reach this IP address (loopback, link-local, private)?"""
    ip = parse(address)
    if ip is None:
        raise ValueError(f"not an IP address: {address!r}")
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or any(
        ip in network for network in _INTERNAL_NETWORKS if network.version == ip.version)
