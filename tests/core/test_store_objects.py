"""The media store's shared objects (render parts) on the local store: round trip, removal, keys
that would leave the store refused."""

from pathlib import Path

import pytest

from album.store import LocalMediaStore


def test_objects_round_trip(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "store")
    src = tmp_path / "a.pdf"
    src.write_bytes(b"%PDF-1.4 part")
    store.put_object("parts/12/0001.pdf", src)
    assert store.fetch_object("parts/12/0001.pdf").read_bytes() == b"%PDF-1.4 part"
    store.remove_objects("parts/12")
    with pytest.raises(FileNotFoundError):
        store.fetch_object("parts/12/0001.pdf")
    with pytest.raises(ValueError):
        store.put_object("parts/../../etc", src)
