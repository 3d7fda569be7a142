"""How much work a PKCS#12 file asks for, read from its structure before anything is decrypted.

A PKCS#12 file names its own key-derivation rounds: one count for its MAC and one per encrypted part (the
encrypted certificate bag, each shrouded key bag; PBES1 or PBES2/PBKDF2). A hostile file asks for so many
that decrypting it holds a thread for minutes. `refusal(raw, attempts)` reads the structure (DER or BER) and
says why a file is refused: no MAC (nothing vouches for the counts), more parts than any real file has, or
more rounds in all than MAX_ROUNDS — counting the MAC once per passphrase that will be tried.

Bags inside an encrypted part cannot be seen before that part is decrypted; their rounds are paid only
after the visible ones, which are within the budget, and real files keep their key bag in the clear part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pathways.wording import gettext as _
from pathways.wording import gettext_noop

MAX_ROUNDS = 1_000_000
MAX_PARTS = 8
MAX_BAGS = 16
MAX_DEPTH = 12

OCTET_STRING, INTEGER, OID, SEQUENCE = 0x04, 0x02, 0x06, 0x30
OID_DATA = bytes.fromhex("2a864886f70d010701")
OID_ENCRYPTED_DATA = bytes.fromhex("2a864886f70d010706")
OID_SHROUDED_KEY_BAG = bytes.fromhex("2a864886f70d010c0a0102")

NO_MAC = gettext_noop(
    "This PKCS#12 file has no integrity check (MAC), so nothing vouches for its contents; export "
    "it again with a passphrase."
)
TOO_MANY_PARTS = gettext_noop(
    "This PKCS#12 file holds more parts than a certificate and its key need; export only those."
)
MALFORMED = gettext_noop("This PKCS#12 file is damaged and cannot be read; export it again.")


@dataclass(frozen=True)
class Node:
    tag: int
    content: bytes
    children: tuple[Node, ...] = ()

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


class Malformed(ValueError):
    pass


def _length(raw: bytes, position: int) -> tuple[int | None, int]:
    """(content length or None for BER indefinite, position of the content)."""
    if position >= len(raw):
        raise Malformed("truncated")
    first = raw[position]
    if first < 0x80:
        return first, position + 1
    if first == 0x80:
        return None, position + 1
    count = first & 0x7F
    if count > 4 or position + 1 + count > len(raw):
        raise Malformed("bad length")
    return int.from_bytes(raw[position + 1 : position + 1 + count], "big"), position + 1 + count


def _parse(raw: bytes, position: int, depth: int) -> tuple[Node, int]:
    """The element at `position` and the position after it; constructed ones with their children."""
    if depth > MAX_DEPTH or position + 2 > len(raw):
        raise Malformed("too deep or truncated")
    tag = raw[position]
    if tag & 0x1F == 0x1F:
        raise Malformed("high tag numbers do not occur in PKCS#12")
    length, start = _length(raw, position + 1)
    constructed = bool(tag & 0x20)
    if length is None:
        if not constructed:
            raise Malformed("indefinite length on a primitive")
        children, cursor = [], start
        while raw[cursor : cursor + 2] != b"\x00\x00":
            child, cursor = _parse(raw, cursor, depth + 1)
            children.append(child)
            if cursor + 2 > len(raw):
                raise Malformed("unterminated")
        return Node(tag, raw[start:cursor], tuple(children)), cursor + 2
    end = start + length
    if end > len(raw):
        raise Malformed("element runs past the end")
    children = []
    if constructed:
        cursor = start
        while cursor < end:
            child, cursor = _parse(raw, cursor, depth + 1)
            children.append(child)
        if cursor != end:
            raise Malformed("children overrun their parent")
    return Node(tag, raw[start:end], tuple(children)), end


def _octets(node: Node) -> bytes:
    """The bytes of an OCTET STRING, also in BER's constructed (chunked) form."""
    if not node.constructed:
        return node.content
    return b"".join(_octets(child) for child in node.children)


def _inner(node: Node, depth: int) -> Node:
    """The DER element an OCTET STRING carries."""
    data = _octets(node)
    inner, end = _parse(data, 0, depth)
    if end != len(data):
        raise Malformed("trailing bytes")
    return inner


def _explicit(node: Node) -> Node:
    """The element inside a `[0] EXPLICIT` wrapper."""
    if node.tag != 0xA0 or len(node.children) != 1:
        raise Malformed("expected [0]")
    return node.children[0]


def _rounds_in(node: Node) -> Iterator[int]:
    """Iteration counts in an AlgorithmIdentifier or MacData: an INTEGER right after an OCTET STRING (the
    salt) in a SEQUENCE — the shape of PBES1 parameters, PBKDF2 parameters and MacData alike."""
    children = node.children
    for before, after in zip(children, children[1:], strict=False):
        if before.tag == OCTET_STRING and after.tag == INTEGER:
            yield int.from_bytes(after.content, "big", signed=False)
    for child in children:
        if child.constructed:
            yield from _rounds_in(child)


@dataclass(frozen=True)
class Work:
    mac_rounds: int
    other_rounds: int
    parts: int
    bags: int


def measure(raw: bytes) -> Work:
    """The key-derivation work a PKCS#12 file asks for; Malformed when its structure cannot be read."""
    pfx, end = _parse(raw, 0, 0)
    if pfx.tag != SEQUENCE or len(pfx.children) not in (2, 3):
        raise Malformed("not a PFX")
    auth_safe = pfx.children[1]
    mac_rounds = 0
    if len(pfx.children) == 3:
        mac_data = pfx.children[2]
        mac_rounds = max(_rounds_in(mac_data), default=1)
    if auth_safe.tag != SEQUENCE or len(auth_safe.children) != 2:
        raise Malformed("bad authSafe")
    contents = _inner(_explicit(auth_safe.children[1]), 1)
    other, bags = 0, 0
    for part in contents.children:
        if part.tag != SEQUENCE or not part.children or part.children[0].tag != OID:
            raise Malformed("bad content info")
        kind = part.children[0].content
        if kind == OID_ENCRYPTED_DATA:
            encrypted_data = _explicit(part.children[1])
            if len(encrypted_data.children) < 2 or len(encrypted_data.children[1].children) < 2:
                raise Malformed("bad encrypted data")
            other += sum(_rounds_in(encrypted_data.children[1].children[1]))
        elif kind == OID_DATA:
            safe_contents = _inner(_explicit(part.children[1]), 2)
            for bag in safe_contents.children:
                bags += 1
                if bag.children and bag.children[0].content == OID_SHROUDED_KEY_BAG and len(bag.children) > 1:
                    shrouded = _explicit(bag.children[1])
                    if shrouded.children:
                        other += sum(_rounds_in(shrouded.children[0]))
        else:
            raise Malformed("unknown content type")
    return Work(mac_rounds=mac_rounds, other_rounds=other, parts=len(contents.children), bags=bags)


def refusal(raw: bytes, attempts: int = 1) -> str | None:
    """Why this PKCS#12 file is not opened (a sentence for the field), or None when it may be."""
    try:
        work = measure(raw)
    except (Malformed, IndexError, ValueError):
        return _(MALFORMED)
    if work.mac_rounds == 0:
        return _(NO_MAC)
    if work.parts > MAX_PARTS or work.bags > MAX_BAGS:
        return _(TOO_MANY_PARTS)
    rounds = work.mac_rounds * attempts + work.other_rounds
    if rounds > MAX_ROUNDS:
        return (
            f"This PKCS#12 file asks for {rounds:,} key-derivation rounds (at most {MAX_ROUNDS:,} are read "
            "here); export it again with default settings."
        )
    return None
