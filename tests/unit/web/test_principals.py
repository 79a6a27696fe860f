"""The short memory of resolved sessions and tokens: bounded in time, size, and by the credential."""

from __future__ import annotations

from autocrea.web.principals import RecentPrincipals


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def memory(clock: Clock, *, size: int = 10) -> RecentPrincipals[tuple[str, str]]:
    return RecentPrincipals(ttl=5.0, size=size, user_of=lambda entry: entry[0], clock=clock)


def test_an_entry_lives_for_the_ttl_and_no_longer() -> None:
    clock = Clock()
    cache = memory(clock)
    key = cache.key("session", "secret-cookie")
    cache.put(key, ("ana", "session"))
    clock.now += 4.9
    assert cache.get(key) == ("ana", "session")
    clock.now += 0.2
    assert cache.get(key) is None


def test_an_entry_never_outlives_its_credential() -> None:
    clock = Clock()
    cache = memory(clock)
    cache.put("a", ("ana", "x"), valid_for=1.0)
    cache.put("b", ("bob", "x"), valid_for=-3.0)  # already expired: not remembered at all
    clock.now += 1.01
    assert cache.get("a") is None and cache.get("b") is None


def test_dropping_a_user_forgets_all_their_credentials_only() -> None:
    cache = memory(Clock())
    for key, user in (("s1", "ana"), ("t1", "ana"), ("s2", "bob")):
        cache.put(key, (user, key))
    cache.drop_user("ana")
    assert cache.get("s1") is None and cache.get("t1") is None and cache.get("s2") == ("bob", "s2")


def test_the_oldest_entries_go_when_full_and_keys_hide_the_secret() -> None:
    cache = memory(Clock(), size=3)
    for i in range(5):
        cache.put(f"k{i}", ("u", str(i)))
    assert [cache.get(f"k{i}") for i in range(5)] == [None, None, ("u", "2"), ("u", "3"), ("u", "4")]
    key = cache.key("token", "acr_secret")
    assert "acr_secret" not in key and key.startswith("token:") and key != cache.key("session", "acr_secret")
