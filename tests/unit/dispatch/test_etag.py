from services.dispatch.domain.caching import etag_of, not_modified

PAGE = {"items": [{"id": "J-1", "status": "assigned", "eta": "2026-11-27T08:00:00Z"}],
        "next_cursor": None}


def test_the_same_jobs_give_the_same_etag_whatever_the_key_order() -> None:
    reordered = {"next_cursor": None, "items": [{"eta": "2026-11-27T08:00:00Z",
                                                 "status": "assigned", "id": "J-1"}]}
    assert etag_of(PAGE) == etag_of(reordered)


def test_any_change_to_a_job_changes_the_etag() -> None:
    accepted = {"items": [{"id": "J-1", "status": "accepted", "eta": "2026-11-27T08:00:00Z"}],
                "next_cursor": None}
    assert etag_of(accepted) != etag_of(PAGE)


def test_an_etag_is_a_quoted_strong_tag() -> None:
    tag = etag_of(PAGE)
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")


def test_if_none_match_with_the_current_tag_means_not_modified() -> None:
    tag = etag_of(PAGE)
    assert not_modified(tag, tag)
    assert not_modified(f'"other", {tag}', tag)
    assert not_modified(f"W/{tag}", tag)
    assert not_modified("*", tag)


def test_a_missing_or_stale_tag_gets_the_body() -> None:
    tag = etag_of(PAGE)
    assert not not_modified(None, tag)
    assert not not_modified("", tag)
    assert not not_modified('"stale"', tag)
