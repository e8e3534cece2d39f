"""Consumer rows C1-C5 of the delivery matrix (tests/sandbox/clients/test_consumer_groups.py and
test_transactions.py), written once against engine.runs.backend.ClusterBackend so each row runs the
same steps on the sandbox and on real Kafka, with confluent-kafka, kafka-python and Kafka's Java client.

    C1  commit before processing, crash: the record being processed is never processed (at-most-once)
    C2  commit after processing, crash: that record is processed twice (at-least-once)
    C3  a transactional read-process-write pipeline SIGKILLed mid-transaction, restarted: exactly once
    C4  read_committed hides aborted records, and an open transaction holds it at the last stable offset
    C5  a second producer with the same transactional.id fences the first (the zombie cannot commit)

Only the contract and the clients are used (no sandbox internals such as its events), and every wait
polls a condition: rows compare outcomes, never timings. Each row returns a frozen outcome whose
`describe()` is the table's cell; `check` says how an outcome breaks the row's guarantee.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import confluent_kafka as ck

from tests.apache_kafka.conftest import wait_for
from tests.sandbox.client_drivers import (CLIENTS as PYTHON_CLIENTS, ConsumerUnderTest, ProducerUnderTest,
                                         crash_and_take_over, produce_ten)
from tests.sandbox.txn_tools import (ExactlyOnce, PipelineProcess, Reader, TxnProducer, pipeline_args,
                                     produce_inputs, read_all, wait_running_pipeline)

CLIENTS = [*PYTHON_CLIENTS, "java"]
# The pipeline process: tests/sandbox/txn_pipeline.py for the Python clients, PipelineDriver.java for java.
PIPELINE_CLIENTS = CLIENTS


@dataclass(frozen=True)
class RowOutcome:
    """What a row observed: named facts (the same names on both backends), in a fixed order."""

    facts: tuple[tuple[str, Any], ...]

    def __getitem__(self, name: str) -> Any:
        return dict(self.facts)[name]

    def describe(self) -> str:
        def cell(v: Any) -> str:
            if isinstance(v, (list, tuple, set, frozenset)):
                return "[" + ",".join(map(str, v)) + "]"
            return str(v)
        return " ".join(f"{k}={cell(v)}" for k, v in self.facts)


def _outcome(**facts: Any) -> RowOutcome:
    return RowOutcome(tuple(facts.items()))


# --- clients -----------------------------------------------------------------------------------

def member(client: str, bootstrap: str, group: str, topic: str) -> Any:
    if client == "java":
        from tests.apache_kafka.java_driver import JavaConsumer

        return JavaConsumer.member(bootstrap, group, topic)
    return ConsumerUnderTest(client, bootstrap, group, topic)


def txn_producer(client: str, bootstrap: str, transactional_id: str) -> Any:
    if client == "java":
        from tests.apache_kafka.java_driver import JavaTxnProducer

        return JavaTxnProducer(bootstrap, transactional_id)
    return TxnProducer(client, bootstrap, transactional_id)


def reader(client: str, bootstrap: str, topic: str, isolation: str) -> Any:
    if client == "java":
        from tests.apache_kafka.java_driver import JavaConsumer

        return JavaConsumer.reader(bootstrap, topic, 0, isolation)
    return Reader(client, bootstrap, topic, 0, isolation)


def read_partition(client: str, bootstrap: str, topic: str, isolation: str, partition: int = 0) -> list[str]:
    """One partition of `topic` from the beginning to its high watermark, as `client` reads it."""
    if client != "java":
        return read_all(client, bootstrap, topic, partition + 1, isolation)[partition]
    from tests.apache_kafka.java_driver import JavaConsumer

    end = _high_watermark(bootstrap, topic, partition)
    r = JavaConsumer.reader(bootstrap, topic, partition, isolation)
    try:
        wait_for(lambda: (r.poll(), r.position() >= end)[1], 90, f"the Java reader to reach offset {end}")
        return r.values
    finally:
        r.close()


def read_committed_and_not(client: str, bootstrap: str, topic: str,
                           partitions: int) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Every partition of `topic` to its high watermark, as `client` reads it at read_committed and
    at read_uncommitted (txn_tools.read_all's shape). Java's readers (a JVM per partition and
    isolation level) start side by side: their start-up, not the reading, is what takes time."""
    if client != "java":
        return (read_all(client, bootstrap, topic, partitions, "read_committed"),
                read_all(client, bootstrap, topic, partitions, "read_uncommitted"))
    jobs = [(isolation, p) for isolation in ("read_committed", "read_uncommitted") for p in range(partitions)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        values = dict(zip(jobs, pool.map(lambda job: read_partition(client, bootstrap, topic, *job), jobs)))
    return ({p: values["read_committed", p] for p in range(partitions)},
            {p: values["read_uncommitted", p] for p in range(partitions)})


def pipeline(client: str, args: list[str]) -> PipelineProcess:
    """The transactional pipeline process of `client`: Python's txn_pipeline.py or PipelineDriver.java."""
    if client == "java":
        from tests.apache_kafka.java_driver import JavaPipelineProcess

        return JavaPipelineProcess(args)
    return PipelineProcess(args)


def _high_watermark(bootstrap: str, topic: str, partition: int = 0) -> int:
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "hw", "isolation.level": "read_uncommitted",
                     "log_level": 0})
    try:
        return c.get_watermark_offsets(ck.TopicPartition(topic, partition), timeout=30)[1]
    finally:
        c.close()


def committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    """Sum of the group's committed offsets, asked with OffsetFetch as any client would. At
    read_uncommitted librdkafka does not ask for stable offsets, so the offsets of a transaction
    still open are not waited for: the answer is what committed transactions left."""
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_uncommitted",
                     "enable.auto.commit": False, "log_level": 0})
    try:
        tps = c.committed([ck.TopicPartition(topic, p) for p in range(partitions)], timeout=30)
        return sum(max(tp.offset, 0) for tp in tps)
    finally:
        c.close()


def fresh(name: str, client: str) -> str:
    """A group or transactional id of this run only: one real cluster serves the whole session,
    and a group's committed offsets or a transactional id's epoch must not carry over from the
    row before (deleting a topic drops its committed offsets only once the coordinator learns of it)."""
    return f"{name}-{client}-{time.monotonic_ns()}"


def error_name(exc: BaseException) -> str:
    """The Kafka error a client raised, by the client's own name for it."""
    if exc.args and hasattr(exc.args[0], "name"):
        return exc.args[0].name()                      # confluent-kafka's KafkaError
    if exc.args and type(exc).__name__ == "JavaTxnError":
        return str(exc.args[0])                        # the Java exception's simple name
    return type(exc).__name__                          # kafka-python's error class


# --- C1, C2 ------------------------------------------------------------------------------------

GROUP_TOPIC = "payments"


def _crash_and_take_over(b: Any, client: str, commit_first: bool) -> RowOutcome:
    """Member A handles m-0..m-4 and crashes while handling m-4; member B takes over the group.
    Polls of a second and two-minute waits: a slow join (a loaded machine, a real coordinator)
    must not be made slower by short polls."""
    produce_ten(b, GROUP_TOPIC)
    group = fresh("billing", client)
    processed = crash_and_take_over(lambda: member(client, b.bootstrap_servers, group, GROUP_TOPIC), GROUP_TOPIC,
                                    commit_first, timeout=120, poll_seconds=1.0)
    everything = [f"m-{i}" for i in range(10)]
    return _outcome(processed=sum(processed.values()),
                    never=[v for v in everything if v not in processed],
                    twice=[v for v in everything if processed[v] > 1])


def c1_commit_before_processing(b: Any, client: str) -> RowOutcome:
    return _crash_and_take_over(b, client, commit_first=True)


def c2_commit_after_processing(b: Any, client: str) -> RowOutcome:
    return _crash_and_take_over(b, client, commit_first=False)


# --- C3 ----------------------------------------------------------------------------------------

def c3_pipeline_killed_mid_transaction(b: Any, client: str) -> RowOutcome:
    """The pipeline writes and flushes its 4th transaction (offsets sent), is SIGKILLed before the
    commit, and a second instance with the same transactional.id finishes the input."""
    for topic in ("in", "out"):
        b.create_topic(topic, partitions=2, replication_factor=3, min_insync_replicas=2)
        for p in range(2):
            wait_for(lambda: b.leader(topic, p) is not None, what=f"a leader for {topic}-{p}")
    inputs = produce_inputs(b, "in", partitions=2, per_partition=100)
    group = fresh("c3", client)
    args = pipeline_args(client, b, "in", "out", group, fresh("c3-pipeline", client), batch=20)
    first = pipeline(client, args + ["--pause-at", "4"])
    try:
        wait_for(lambda: first.saw("paused") or not first.running(), 120, "the 4th transaction's records flushed")
        assert first.saw("paused"), _said(first)
        done = [line for line in first.lines if line.startswith("committed 3 ")]
        assert done, _said(first)
        # The 4th transaction's offsets were sent, not committed: the group does not see them.
        open_offsets_hidden = committed_total(b.bootstrap_servers, group, "in", 2) == int(done[0].split()[2])
    finally:
        first.kill()
    second = pipeline(client, args)
    try:
        wait_running_pipeline(second, 120)
        wait_for(lambda: committed_total(b.bootstrap_servers, group, "in", 2) == 200, 180, "every input committed")
        assert second.stop() == 0, _said(second)
    finally:
        if second.running():
            second.kill()
    committed, uncommitted = read_committed_and_not(client, b.bootstrap_servers, "out", 2)
    eos = ExactlyOnce.check(inputs, committed)
    return _outcome(out=eos.messages_out, dup=eos.duplicates, lost=eos.lost, reordered=eos.mismatched_partitions,
                    open_offsets_hidden=open_offsets_hidden,
                    aborted_in_log=sum(map(len, uncommitted.values())) > 200)


def _said(process: PipelineProcess) -> str:
    """A pipeline's stdout lines, and the Java one's stderr (its exception) when it has one."""
    tail = getattr(process, "stderr_tail", lambda: "")()
    return f"{process.lines}" + (f"; stderr: {tail}" if tail else "")


# --- C4 ----------------------------------------------------------------------------------------

def c4_read_committed_and_lso(b: Any, client: str) -> RowOutcome:
    """A committed and an aborted transaction, then one left open with plain records behind it."""
    b.create_topic("t", partitions=1, replication_factor=3, min_insync_replicas=2)
    wait_for(lambda: b.leader("t", 0) is not None, what="a leader")
    bs = b.bootstrap_servers
    committed = [f"c-{i}" for i in range(10)]
    aborted = [f"a-{i}" for i in range(10)]
    opened = [f"o-{i}" for i in range(5)]
    plain_values = [f"p-{i}" for i in range(5)]
    p = txn_producer(client, bs, fresh("c4", client))
    p.init()
    p.begin()
    p.send("t", committed)
    p.commit()
    p.begin()
    p.send("t", aborted)
    p.flush()
    p.abort()
    ru_closed = read_partition(client, bs, "t", "read_uncommitted")
    rc_closed = read_partition(client, bs, "t", "read_committed")

    # The open transaction's first record is at the last stable offset: a read_committed
    # reader stops there, plain records behind it included, until the commit.
    p.begin()
    p.send("t", opened)
    p.flush()
    lso = b.high_watermark("t") - len(opened)
    plain = ProducerUnderTest("confluent-kafka", bs, acks=-1)
    for v in plain_values:
        plain.send("t", v)
    plain.flush()
    plain.close()
    assert plain.acked == plain_values, plain.failed
    hw: list[int] = []
    try:
        wait_for(lambda: hw.append(b.high_watermark("t")) or hw[-1] == lso + 10, what="the plain records replicated")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: LSO {lso}, high watermarks {hw[-3:]}, read_uncommitted "
                             f"{[r.value for r in b.records('t', 0, isolation='read_uncommitted')]}") from None
    rc = reader(client, bs, "t", "read_committed")
    ru = reader(client, bs, "t", "read_uncommitted")
    try:
        wait_for(lambda: (rc.poll(), rc.position() == lso)[1], 90, "read_committed to reach the LSO")
        wait_for(lambda: (ru.poll(), len(ru.values) == 30)[1], 90, "read_uncommitted to read everything")
        for _ in range(4):
            rc.poll()
        held_at_lso = rc.position() == lso and rc.values == committed
        p.commit()
        wait_for(lambda: (rc.poll(), len(rc.values) == 20)[1], 90, "read_committed past the commit")
        after_commit = rc.values
    finally:
        rc.close()
        ru.close()
        p.close()

    def names(values: list[str]) -> str:
        return "+".join(f"{prefix}{n}" for prefix, n in Counter(v.split("-")[0] for v in values).items())
    return _outcome(ru=names(ru_closed), rc=names(rc_closed), held_at_lso=held_at_lso,
                    ru_open=names(ru.values), rc_after_commit=names(after_commit),
                    in_order=after_commit == committed + opened + plain_values)


# --- C5 ----------------------------------------------------------------------------------------

def c5_zombie_fenced(b: Any, client: str) -> RowOutcome:
    """A's transaction is open when B starts with the same transactional.id: B's init aborts it
    and bumps the epoch; A, the zombie, cannot write or commit any more."""
    b.create_topic("pay", partitions=1, replication_factor=3, min_insync_replicas=2)
    wait_for(lambda: b.leader("pay", 0) is not None, what="a leader")
    bs = b.bootstrap_servers
    transactional_id = fresh("c5", client)
    a = txn_producer(client, bs, transactional_id)
    a.init()
    a.begin()
    a.send("pay", [f"a-{i}" for i in range(5)])
    a.flush()
    second = txn_producer(client, bs, transactional_id)
    second.init()                          # bumps the epoch, aborts A's open transaction
    second.begin()
    second.send("pay", [f"b-{i}" for i in range(5)])
    second.commit()
    error = "-"
    try:
        a.send("pay", [f"z-{i}" for i in range(5)])
        a.commit()
    except BaseException as exc:  # noqa: BLE001 - the fencing error's type differs per client
        error = kafka_python_cause(a, error_name(exc))
    for producer in (second, a):
        try:
            producer.close()
        except BaseException:  # noqa: BLE001 - closing a fenced producer may complain
            pass
    committed = [r.value.decode() for r in b.records("pay", 0, isolation="read_committed")]
    uncommitted = [r.value.decode() for r in b.records("pay", 0, isolation="read_uncommitted")]
    return _outcome(zombie_error=error, committed="+".join(sorted({v[0] for v in committed})),
                    in_log="+".join(sorted({v[0] for v in uncommitted})),
                    client_reads=len(read_partition(client, bs, "pay", "read_committed")))


def kafka_python_cause(zombie: Any, error: str) -> str:
    """The error that made kafka-python's zombie unusable, where the call that failed named only
    the state it found. kafka-python answers Kafka's INVALID_PRODUCER_EPOCH to a z-* send by
    bumping its epoch first (KIP-360); the coordinator then fences the bump. A call made in between
    says IllegalStateError ("Cannot call send in state BUMPING_PRODUCER_EPOCH"); a call made after
    says IllegalStateError or a bare KafkaError ("... in an error state"). Which one the zombie
    meets depends on when the answers arrive, so wait for the bump to be answered and report the
    error Kafka sent."""
    manager = getattr(getattr(zombie, "_p", None), "_transaction_manager", None)
    if manager is None or error not in ("IllegalStateError", "KafkaError"):
        return error
    wait_for(lambda: not manager.is_bumping_epoch(), timeout=30, what="kafka-python's epoch bump answered")
    last = manager.last_error
    return error if last is None else (last if isinstance(last, type) else type(last)).__name__


ROWS: dict[str, Callable[[Any, str], RowOutcome]] = {
    "C1": c1_commit_before_processing,
    "C2": c2_commit_after_processing,
    "C3": c3_pipeline_killed_mid_transaction,
    "C4": c4_read_committed_and_lso,
    "C5": c5_zombie_fenced,
}

# How each client names the fencing of a zombie (Kafka's PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH
# on the Produce path). Any of these agrees with the row.
FENCED_NAMES = {"confluent-kafka": {"_FENCED", "PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"},
                "kafka-python": {"ProducerFencedError", "InvalidProducerEpochError"},
                "java": {"ProducerFencedException", "InvalidProducerEpochException"}}


def check(row: str, client: str, o: RowOutcome) -> list[str]:
    """How `o` breaks the row's stated guarantee (empty: it holds)."""
    wrong: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            wrong.append(what)

    if row == "C1":
        need(o["never"] == ["m-4"] and o["twice"] == [], "m-4 never processed, nothing twice (at-most-once)")
    elif row == "C2":
        need(o["never"] == [] and o["twice"] == ["m-4"], "all processed, m-4 twice (at-least-once)")
    elif row == "C3":
        need((o["out"], o["dup"], o["lost"], o["reordered"]) == (200, 0, 0, 0), "200 out, exactly once, in order")
        need(o["open_offsets_hidden"], "the killed transaction's offsets not committed")
        need(o["aborted_in_log"], "the killed transaction's records in the log, aborted")
    elif row == "C4":
        need(o["ru"] == "c10+a10" and o["rc"] == "c10", "aborted records only at read_uncommitted")
        need(o["held_at_lso"], "read_committed held at the LSO while the transaction is open")
        need(o["ru_open"] == "c10+a10+o5+p5", "read_uncommitted reads past the LSO")
        need(o["rc_after_commit"] == "c10+o5+p5" and o["in_order"], "after the commit, read_committed reads on")
    elif row == "C5":
        need(o["zombie_error"] in FENCED_NAMES[client], f"the zombie fenced ({'/'.join(FENCED_NAMES[client])})")
        need(o["committed"] == "b" and o["in_log"] == "a+b" and o["client_reads"] == 5,
             "only B's records committed; A's aborted; no z-* written")
    return wrong
