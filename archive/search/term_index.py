"""Whoosh's on-disk term table (OrderedHashWriter), written with the same bytes, faster.

Every term of a segment gets an entry: at 10,000 passages some 416,000, most of them pairs
found once. Whoosh's writer spends three file writes, a `tell()`, an MD5 turned into hex and
parsed back, and a growable array's overflow check per entry, then packs each slot of its
hash tables one at a time: about 13 % of a rebuild (docs/BENCHMARKS.md). This writer keeps
the entries in memory a batch at a time and packs each hash table in one call. The file is
the same bytes (tests/search/test_term_index.py), so Whoosh's HashReader reads it as before.
"""

import struct
from array import array
from hashlib import md5

from whoosh.filedb.filetables import OrderedHashWriter, _lengths
from whoosh.util.numlists import GrowableArray

# Entries are written to the file once this many bytes are waiting.
FLUSH_BYTES = 1 << 20


def _md5_hash(key: bytes) -> int:
    # filetables.md5_hash: int(hexdigest, 16) & 0xffffffff is the digest's last four bytes.
    # MD5 is the file format's bucket hash (Whoosh's type 0), not a security measure.
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


def _typecode(largest: int) -> str:
    """The type GrowableArray("H") ends with after appending numbers up to `largest`."""
    if largest < 2**16:
        return "H"
    if largest < 2**31:
        return "i"
    if largest < 2**32:
        return "I"
    return "q"


class TermIndexWriter(OrderedHashWriter):
    """OrderedHashWriter with MD5 hashing (type 0, W3's), keys added in increasing order."""

    def __init__(self, dbfile):
        super().__init__(dbfile)  # writes the header
        self._start_batching()

    @classmethod
    def taking_over(cls, writer: OrderedHashWriter) -> "TermIndexWriter":
        """This writer in place of a new OrderedHashWriter (W3FieldWriter makes one), with
        its file, header and extras (the field map) as they are."""
        if writer.index or writer.lastkey:
            raise ValueError("the writer has entries already")
        taken = cls.__new__(cls)
        taken.__dict__.update(writer.__dict__)
        taken._start_batching()
        return taken

    def _start_batching(self) -> None:
        self._pos = self.dbfile.tell()
        self._waiting: list[bytes] = []
        self._waiting_bytes = 0
        self._positions: list[int] = []

    def tell(self) -> int:
        return self._pos

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        pos = self._pos
        self._positions.append(pos)
        entry = _lengths.pack(len(key), len(value)) + key + value
        self._waiting.append(entry)
        self._pos = pos + len(entry)
        self._waiting_bytes += len(entry)
        if self._waiting_bytes >= FLUSH_BYTES:
            self._flush()
        h = _md5_hash(key)
        self.buckets[h & 255].append((h, pos))
        self.lastkey = key

    def _flush(self) -> None:
        if self._waiting:
            self.dbfile.write(b"".join(self._waiting))
            self._waiting, self._waiting_bytes = [], 0

    def _write_hashes(self) -> None:
        """HashWriter._write_hashes: per bucket, a table of twice its entries with linear
        probing, empty slots (0, 0); each table packed at once."""
        self._flush()
        dbfile = self.dbfile
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((dbfile.tell(), numslots))
            if not numslots:
                continue
            table = [0] * (2 * numslots)  # hash value, key position for each slot
            taken = bytearray(numslots)
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while taken[slot]:
                    slot = (slot + 1) % numslots
                taken[slot] = 1
                table[2 * slot] = hashval
                table[2 * slot + 1] = position
            dbfile.write(struct.pack("!" + "Iq" * numslots, *table))

    def _write_extras(self) -> None:
        positions = self._positions
        index = GrowableArray("H")
        if positions:
            index.array = array(_typecode(max(positions)), positions)
        self.index = index
        super()._write_extras()
