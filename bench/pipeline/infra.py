"""The benchmark's own broker and PostgreSQL (other ports and data than `make test` and
`make run`), and the four services as uvicorn processes on fresh databases."""

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.pipeline.world import JWT_SECRET

REPO = Path(__file__).resolve().parents[2]
KAFKA_ENV = {"KAFKA_PORT": "39092", "KAFKA_CONTROLLER_PORT": "39093",
             "KAFKA_DATA_DIR": str(REPO / ".data" / "kafka-bench")}
PG_ENV = {"PG_PORT": "58432", "PG_DATA": "/var/tmp/fleetcare-pg-bench"}
BOOTSTRAP = f"127.0.0.1:{KAFKA_ENV['KAFKA_PORT']}"
PG_SERVER = f"postgresql://fleetcare:fleetcare@127.0.0.1:{PG_ENV['PG_PORT']}"
SERVICES = ("intake", "parts", "dispatch", "quality")
PORTS = {"intake": 18401, "parts": 18402, "dispatch": 18403, "quality": 18404}
# Load is what is measured here, not the per-depot limiter.
EXTRA_ENV = {"intake": {"FLEETCARE_RATE_LIMIT_PER_MINUTE": "60000000",
                        "FLEETCARE_RATE_LIMIT_BURST": "10000000"}}


def script(path: str, command: str, env: dict[str, str]) -> None:
    """deploy/kafka/kafka.sh or deploy/postgres/postgres.sh with the benchmark's ports."""
    subprocess.run([str(REPO / path), command], check=True, env=os.environ | env, timeout=300,
                   stdout=subprocess.DEVNULL)


def start_infrastructure() -> None:
    script("deploy/kafka/kafka.sh", "reset", KAFKA_ENV)
    script("deploy/kafka/kafka.sh", "start", KAFKA_ENV)
    script("deploy/postgres/postgres.sh", "start", PG_ENV)


def stop_infrastructure() -> None:
    script("deploy/kafka/kafka.sh", "stop", KAFKA_ENV)
    script("deploy/postgres/postgres.sh", "stop", PG_ENV)


def kafka_pid() -> int | None:
    """The broker JVM of the benchmark's data dir, found by its command line."""
    config = f"{Path(KAFKA_ENV['KAFKA_DATA_DIR']).resolve()}/server.properties"
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f" kafka.Kafka {config} " in cmdline:
            return int(proc.name)
    return None


def postgres_pid() -> int | None:
    """The postmaster (its backends are its children)."""
    try:
        return int((Path(PG_ENV["PG_DATA"]) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


async def create_database(prefix: str) -> str:
    """A fresh database; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


def uvicorn(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One uvicorn process (one worker, as in production)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            cwd=REPO, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT)


async def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited during startup (see its log)")
            try:
                if (await client.get("/readyz")).json().get("status") == "ready":
                    return
            except (httpx.TransportError, ValueError):
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{url} not ready after {timeout:.0f} s")
            await asyncio.sleep(0.5)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@dataclass
class Stack:
    """The four services on fresh databases; the consumer groups start at the topics' ends,
    so events left by an earlier stack of this run are not applied again."""

    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{PORTS[service]}"

    async def start(self) -> None:
        await skip_backlog()
        for name in SERVICES:
            self.database_urls[name] = await create_database(f"fleetcare_bench_{name}")
            env = {"FLEETCARE_ENV": "dev", "FLEETCARE_JWT_SECRET": JWT_SECRET,
                   "FLEETCARE_DATABASE_URL": self.database_urls[name],
                   "FLEETCARE_KAFKA_BOOTSTRAP": BOOTSTRAP,
                   "FLEETCARE_KAFKA_TIMEOUT_SECONDS": "10"} | EXTRA_ENV.get(name, {})
            self.processes[name] = uvicorn(f"services.{name}.main:create_app", PORTS[name], env,
                                           self.log_dir / f"{name}.log")
        await asyncio.gather(*(wait_ready(self.url(n), p) for n, p in self.processes.items()))

    async def stop(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(stop_process, p)
                               for p in self.processes.values()))
        self.processes.clear()
        for url in self.database_urls.values():
            await drop_database(url)
        self.database_urls.clear()

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}


def consumed_topics(group: str) -> list[str]:
    return list(import_module(f"services.{group}.handlers").CONSUMED_TOPICS)


async def partitions(topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics, asked of the broker (aiokafka 0.14's `topics()` does not
    refresh the metadata `partitions_for_topic` reads)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(topic["topic"], p["partition"]) for topic in described
            for p in topic["partitions"]]


async def skip_backlog() -> None:
    """Commit every group's offsets at the ends of the topics it consumes (the groups are
    empty: the previous stack's services have left)."""
    for group in SERVICES:
        # Partitions are looked up group-less: a group member's metadata covers only the
        # topics it subscribed to, and this one subscribes to none.
        ends = await topic_ends(consumed_topics(group))
        consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group,
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(list(ends))
            await consumer.commit(ends)
        finally:
            await consumer.stop()


async def topic_ends(topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(await partitions(topics)))
    finally:
        await consumer.stop()


async def group_lag(group: str) -> int:
    """Events on the group's topics it has not committed yet."""
    ends = await topic_ends(consumed_topics(group))
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    # A partition the group never committed on is -1, i.e. nothing applied yet.
    return sum(end - max(0, committed[tp].offset if tp in committed else 0)
               for tp, end in ends.items())


async def events_appended() -> int:
    """Messages on the four FleetCare topics so far (their end offsets, summed)."""
    return sum((await topic_ends([f"fleetcare.{s}" for s in SERVICES])).values())
