"""Classic pcap files (Ethernet) and the frames the tests send: just
what the dpdk-steer tests and bench need, written from the pcap format (no scapy);
and the port counters of a running DPDK process, from its telemetry socket."""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
from pathlib import Path

MAGIC = 0xA1B2C3D4  # microsecond timestamps (what we write)
MAGIC_NS = 0xA1B23C4D  # nanosecond timestamps (what DPDK's pcap PMD writes)
LINKTYPE_ETHERNET = 1
ETH_IPV6, ETH_IPV4, ETH_ARP, ETH_VLAN, ETH_QINQ = 0x86DD, 0x0800, 0x0806, 0x8100, 0x88A8


def write(path: Path, frames: list[bytes]) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1_000_000, i % 1_000_000, len(frame), len(frame)))
            f.write(frame)


def read(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if not data:
        return []
    magic, = struct.unpack_from("<I", data)
    assert magic in (MAGIC, MAGIC_NS), f"{path}: not a little-endian pcap"
    frames, at = [], 24
    while at < len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, at)
        at += 16
        frames.append(data[at:at + incl])
        at += incl
    return frames


def mac(text: str) -> bytes:
    return bytes(int(b, 16) for b in text.split(":"))


SRC_MAC = mac("02:00:5e:ff:00:01")
IN_MAC = mac("02:00:5e:ff:00:02")


def ipv6(dst: str | ipaddress.IPv6Address, seq: int, *, src: str = "2131::50",
         vlans: tuple[int, ...] = (), ext: bytes = b"", next_header: int = 17) -> bytes:
    """An Ethernet frame with an IPv6 packet to `dst` whose payload is `seq` (8 bytes),
    behind optional VLAN tags and extension headers (`ext`, whose first next-header
    byte the caller chose; the IPv6 header's next header is `next_header`)."""
    payload = ext + struct.pack(">Q", seq)
    header = struct.pack(">IHBB", 6 << 28, len(payload), next_header, 64)
    header += ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
    return ethernet(ETH_IPV6, header + payload, vlans)


def ethernet(ethertype: int, body: bytes, vlans: tuple[int, ...] = ()) -> bytes:
    frame = IN_MAC + SRC_MAC
    for i, vid in enumerate(vlans):
        tpid = ETH_QINQ if i == 0 and len(vlans) == 2 else ETH_VLAN
        frame += struct.pack(">HH", tpid, vid)
    return frame + struct.pack(">H", ethertype) + body


def seq_of(frame: bytes) -> int:
    return struct.unpack(">Q", frame[-8:])[0]


def telemetry(path: str, command: str) -> dict:
    """One DPDK telemetry command's answer, such as `/ethdev/stats,0`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.connect(path)
        s.recv(4096)  # the greeting
        s.send(command.encode())
        return next(iter(json.loads(s.recv(65536)).values()))
