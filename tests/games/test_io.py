import numpy as np
import pytest
from conftest import random_simplex

from powergames.games import NormalFormGame, UnitSumGame
from powergames.games.io import load_game, parse_game_kwargs, resolve_game, save_game
from powergames.games.library import prisoners_dilemma


def test_round_trip_normal_form(tmp_path, rng):
    g = NormalFormGame(rng.normal(size=(3, 2, 3, 4)))
    path = save_game(g, tmp_path / "g")
    assert path.suffix == ".npz"
    assert load_game(path) == g


def test_round_trip_unit_sum(tmp_path, rng):
    shares = np.moveaxis(random_simplex(rng, (3, 2, 2, 2), sparse=False), -1, 1)
    g = UnitSumGame(shares, prior=[0.2, 0.3, 0.5])
    h = load_game(save_game(g, tmp_path / "u.npz"))
    assert isinstance(h, UnitSumGame) and h == g


def test_round_trip_symmetric(tmp_path):
    symmetric = pytest.importorskip("powergames.games.symmetric")
    g = symmetric.majority_game(4, 3)
    h = load_game(save_game(g, tmp_path / "m.npz"))
    assert type(h) is type(g)
    np.testing.assert_array_equal(h.table, g.table)
    np.testing.assert_array_equal(h.prior, g.prior)
    assert h.n_players == g.n_players


def test_round_trip_bayesian(tmp_path, rng):
    bayesian = pytest.importorskip("powergames.games.bayesian")
    prior = random_simplex(rng, (6,), sparse=False).reshape(2, 3)
    rewards = (rng.normal(size=(2, 2, 3)), rng.normal(size=(3, 2, 3)))
    g = bayesian.BayesianGame(prior, rewards)
    h = load_game(save_game(g, tmp_path / "b.npz"))
    assert type(h) is type(g)
    np.testing.assert_array_equal(h.prior, g.prior)
    for a, b in zip(h.rewards, g.rewards):
        np.testing.assert_array_equal(a, b)


def test_resolve_game(tmp_path):
    assert resolve_game("prisoners_dilemma") == prisoners_dilemma()
    assert resolve_game("prisoners_dilemma", shift=3.0) == prisoners_dilemma(3.0)
    path = save_game(prisoners_dilemma(1.0), tmp_path / "pd.npz")
    assert resolve_game(str(path)) == prisoners_dilemma(1.0)
    g = prisoners_dilemma()
    assert resolve_game(g) is g
    with pytest.raises(ValueError, match="neither a known game nor an existing file; known games"):
        resolve_game("no_such_game")
    with pytest.raises(FileNotFoundError, match="no game file"):
        resolve_game(str(tmp_path / "missing.npz"))
    with pytest.raises(ValueError, match="cannot be applied to a game file"):
        resolve_game(str(path), shift=1)
    with pytest.raises(TypeError, match="game spec"):
        resolve_game(3)


def test_bad_files(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    with pytest.raises(ValueError, match="not a game file"):
        load_game(junk)
    np.savez(tmp_path / "plain.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="no '__kind__' entry"):
        load_game(tmp_path / "plain.npz")
    np.savez(tmp_path / "alien.npz", __kind__=np.array("Alien"))
    with pytest.raises(ValueError, match="unknown game kind 'Alien'"):
        load_game(tmp_path / "alien.npz")
    np.savez(tmp_path / "bad.npz", __kind__=np.array("NormalFormGame"), payoffs=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="one action axis per player"):
        load_game(tmp_path / "bad.npz")
    with pytest.raises(TypeError, match="game must be one of"):
        save_game(object(), tmp_path / "x.npz")


def test_parse_game_kwargs():
    assert parse_game_kwargs(["lam=0.5", "n_players=3", "name=abc"]) == {
        "lam": 0.5,
        "n_players": 3,
        "name": "abc",
    }
    with pytest.raises(ValueError, match="key=value"):
        parse_game_kwargs(["oops"])


def test_an_empty_or_damaged_file_is_a_value_error(tmp_path) -> None:
    import pytest

    from powergames.games.io import load_game

    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a game file"):
        load_game(empty)
    half = tmp_path / "half.npz"
    half.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="not a game file"):
        load_game(half)


@pytest.mark.parametrize(
    "payoffs",
    [
        np.ones((2, 2, 2)) * (1 + 1j),
        np.zeros((2, 2, 2), dtype="datetime64[D]"),
        np.full((2, 2, 2), "1"),
        np.ones((2, 2, 2), dtype=bool),
    ],
    ids=["complex", "datetime64", "numeric strings", "bools"],
)
def test_a_game_file_of_non_real_numbers_is_refused(tmp_path, payoffs) -> None:
    """Issue 15 item 5: ``.npz`` files lost imaginary parts (only a ComplexWarning)."""
    from powergames.games.io import load_game

    path = tmp_path / "g.npz"
    np.savez(path, __kind__=np.array("NormalFormGame"), payoffs=payoffs)
    with pytest.raises(ValueError, match=r"g\.npz.*payoffs must hold real numbers"):
        load_game(path)


def test_a_crafted_huge_npz_header_is_refused_before_allocating(tmp_path, monkeypatch) -> None:
    """Issue 15 item 7: a ``.npz`` whose header claims 1e12 elements raised MemoryError."""
    import io
    import zipfile

    from powergames.games.io import MAX_FILE_BYTES, load_game

    def npy(arr):
        buf = io.BytesIO()
        np.save(buf, arr)
        return buf.getvalue()

    def crafted(shape, data: bytes):
        hdr = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            hdr, {"descr": "<f8", "fortran_order": False, "shape": shape}
        )
        path = tmp_path / f"crafted{len(shape)}_{len(data)}.npz"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("__kind__.npy", npy(np.array("NormalFormGame")))
            zf.writestr("payoffs.npy", hdr.getvalue() + data)
        return path

    with pytest.raises(ValueError, match=r"damaged: entry 'payoffs.npy' declares shape"):
        load_game(crafted((2, 10**6, 10**6), b"\0" * 64))
    # an honest file over the budget (lowered here so the test writes little)
    import powergames.games.io as gio

    path = save_game(NormalFormGame(np.zeros((2, 16, 16))), tmp_path / "big.npz")
    monkeypatch.setattr(gio, "MAX_FILE_BYTES", 1024)
    with pytest.raises(ValueError, match=r"holds arrays of 4,\d{3} bytes, more than the 1,024"):
        load_game(path)
    assert MAX_FILE_BYTES == 2**31
