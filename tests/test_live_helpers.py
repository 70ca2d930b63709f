"""The socket helpers themselves: a missing change and an unexpected extra frame both fail a test."""

import pytest

from tests.live import assert_no_more_frames, connect, publish, receive_until_seq

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


async def test_waiting_for_a_seq_that_never_comes_fails(editor, event):
    reader, _, _ = await connect(event.slug)
    await publish(event, editor, "Only one")

    with pytest.raises(AssertionError, match="seq 2 never arrived"):
        await receive_until_seq(reader, 2, timeout=0.5)


async def test_a_frame_after_the_expected_seq_fails_the_quiet_check(editor, event):
    reader, _, _ = await connect(event.slug)
    await publish(event, editor, "Expected")
    await publish(event, editor, "Not expected")

    assert [frame["seq"] for frame in await receive_until_seq(reader, 1)] == [1]
    with pytest.raises(AssertionError, match="expected nothing more from the socket"):
        await assert_no_more_frames(reader)
    await reader.disconnect()
