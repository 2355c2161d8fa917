import threading

import pytest

import libpkce

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
BASE64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_rfc7636_appendix_b() -> None:
    assert libpkce.challenge(RFC_VERIFIER) == RFC_CHALLENGE
    assert libpkce.challenge(RFC_VERIFIER, method="S256") == RFC_CHALLENGE


def test_never_the_known_wrong_answers() -> None:
    got = libpkce.challenge(RFC_VERIFIER)
    assert got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM="
    assert got != "MTNkMzFlOTYxYTFhZDhlYzJmMTZiMTBjNGM5ODJlMDg3NmE4NzhhZDZkZjE0NDU2NmVlMTg5NGFjYjcwZjljMw"


def test_plain_only_by_name() -> None:
    assert libpkce.challenge(RFC_VERIFIER, method="plain") == RFC_VERIFIER
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.challenge(RFC_VERIFIER, method="s256")
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.challenge(RFC_VERIFIER, method="")


@pytest.mark.parametrize("length", [43, 64, 100, 128])
def test_generate_verifier(length: int) -> None:
    v = libpkce.generate_verifier(length)
    assert len(v) == length and set(v) <= BASE64URL
    libpkce.check_verifier(v)


@pytest.mark.parametrize("length", [0, 42, 129, 1000])
def test_verifier_length_refused(length: int) -> None:
    with pytest.raises(libpkce.InvalidArgumentError) as info:
        libpkce.generate_verifier(length)
    assert info.value.code == 10
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.generate_pair(length)


@pytest.mark.parametrize("bad,status", [
    ("a" * 42, 10), ("a" * 129, 10), ("", 10), ("a" * 42 + "+", 11), ("a" * 42 + "=", 11),
    ("a" * 42 + " ", 11), ("a" * 42 + "é", 11), ("a" * 42 + "/", 11),
])
def test_bad_verifiers(bad: str, status: int) -> None:
    with pytest.raises(libpkce.InvalidArgumentError) as info:
        libpkce.check_verifier(bad)
    assert info.value.code == status
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.challenge(bad)


def test_embedded_nul_and_wrong_types() -> None:
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.check_verifier(RFC_VERIFIER + "\0" + "a")
    with pytest.raises(TypeError):
        libpkce.check_verifier(RFC_VERIFIER.encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        libpkce.challenge(None)  # type: ignore[arg-type]


def test_pair() -> None:
    verifier, challenge = libpkce.generate_pair()
    assert len(verifier) == 43 and libpkce.challenge(verifier) == challenge
    verifier, challenge = libpkce.generate_pair(128)
    assert len(verifier) == 128 and libpkce.challenge(verifier) == challenge
    assert len({libpkce.generate_pair()[0] for _ in range(1000)}) == 1000


def test_random_string_and_state() -> None:
    assert len(libpkce.random_string(22)) == 22
    assert libpkce.random_string() != libpkce.random_string()
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.random_string(21)
    assert libpkce.state_matches("abc", "abc")
    assert not libpkce.state_matches("abc", "abd")
    assert not libpkce.state_matches("abc", "")


def test_pairs_from_threads_are_distinct() -> None:
    results: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        for _ in range(500):
            verifier, challenge = libpkce.generate_pair()
            assert libpkce.challenge(verifier) == challenge
            out.append(verifier)

    threads = [threading.Thread(target=work, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [v for r in results for v in r]
    assert len(everything) == 2000 and len(set(everything)) == 2000


def test_statuses_and_methods_are_named_after_the_header() -> None:
    with pytest.raises(libpkce.InvalidArgumentError) as info:
        libpkce.generate_pair(42)
    assert info.value.code == libpkce.Status.VERIFIER_LENGTH
    with pytest.raises(libpkce.InvalidArgumentError) as info:
        libpkce.challenge("x" * 43, method="S512")
    assert info.value.code == libpkce.Status.METHOD_UNSUPPORTED
    assert libpkce.Method.S256 == 0 and libpkce.Method.PLAIN == 1
    assert libpkce.Status.OK == 0 and libpkce.Status.S256_UNSUPPORTED == 56


def test_buffers_are_sized_from_the_library() -> None:
    from libpkce import _native
    assert _native.S256_CHALLENGE_LENGTH == 43 and _native.RESPONSE_MAX_BYTES == 1 << 20
    assert len(libpkce.random_string(_native.RANDOM_MAX_LENGTH)) == _native.RANDOM_MAX_LENGTH
    assert len(libpkce.generate_verifier(libpkce.VERIFIER_MAX_LENGTH)) == libpkce.VERIFIER_MAX_LENGTH
