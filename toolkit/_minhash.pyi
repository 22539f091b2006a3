from typing import Any

# Each argument is a contiguous buffer: hashes, a and b of uint32, counts of int64, out writable uint32.
def minhash(hashes: Any, counts: Any, a: Any, b: Any, out: Any, /) -> None: ...
