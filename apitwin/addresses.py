"""Which hosts and addresses are whose: loopback, private, link-local (cloud metadata), and allow-lists of CIDRs
and host names. Used to decide whether the admin API needs its token (apitwin.admin_guard) and where webhooks may
be sent (apitwin.webhooks)."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# cloud instance-metadata services inside ranges an allow-list may open (AWS IPv6 sits in fc00::/7, Alibaba in
# 100.64.0.0/10): allowed only when listed as that single address
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")}


def _address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """A host name or address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


def is_internal(address: IpAddress) -> bool:
    """Not a public internet address: loopback, private, link-local (169.254.169.254), unspecified, reserved…"""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global


@dataclass
class AllowList:
    """Networks and host names a target may resolve to or be named by; `internal` entries are opt-in."""

    networks: list[IpNetwork] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, entries: list[str]) -> "AllowList":
        """CIDRs (`10.0.0.0/8`), addresses (`192.168.1.5`), host names (`hooks.internal`) and the words `loopback`
        and `private` (RFC 1918 + unique-local IPv6 + loopback). ValueError names a bad entry."""
        allow = cls()
        for raw in entries:
            for entry in (e.strip() for e in raw.split(",")):
                if not entry:
                    continue
                word = entry.lower()
                if word == "loopback":
                    allow.networks += [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
                elif word == "private":
                    allow.networks += [ipaddress.ip_network(n) for n in (
                        "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]
                elif word in ("none", "public"):
                    continue
                elif "/" in entry or _address(entry) is not None:
                    try:
                        allow.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                    except ValueError:
                        raise ValueError(f"{entry!r} is not a CIDR, address or host name") from None
                elif all(part.replace("-", "").isalnum() for part in word.rstrip(".").split(".")):
                    allow.hosts.add(word.rstrip("."))
                else:
                    raise ValueError(f"{entry!r} is not a CIDR, address or host name")
        return allow

    def allows_address(self, address: IpAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address in METADATA:
            return any(network.num_addresses == 1 and address in network for network in self.networks)
        return any(address in network for network in self.networks)

    def describe(self) -> str:
        parts = [str(n) for n in self.networks] + sorted(self.hosts)
        return ", ".join(parts) if parts else "no internal addresses"


def resolve(host: str, port: int | None) -> list[IpAddress]:
    """Every address `host` resolves to (an address resolves to itself). OSError when it does not resolve."""
    literal = _address(host)
    if literal is not None:
        return [literal]
    found = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    out: list[IpAddress] = []
    for *_, sockaddr in found:
        address = _address(str(sockaddr[0]).split("%")[0])
        if address is not None and address not in out:
            out.append(address)
    return out
