"""Reaching Redis as the settings say: straight to ``TTHC_REDIS_URL``, or through the sentinels of
``TTHC_REDIS_SENTINELS`` (the URL then gives only the database number and the password)."""

from __future__ import annotations

import pytest
from faststream.redis import RedisBroker
from faststream.redis.broker.sentinel_broker import RedisSentinelBroker
from pydantic import ValidationError
from redis.asyncio.sentinel import SentinelConnectionPool, SentinelManagedSSLConnection

from tthc_cli.supervisor import redis_problem
from tthc_contract.redis_client import (
    HiredisPackedConnection,
    HiredisSentinelConnection,
    connect_settings,
    sentinel_of,
)
from tthc_contract.settings import Settings
from tthc_contract.stream_consumers import broker_for

from ..servers import free_port

SENTINELS = "sentinel-a:26379, sentinel-b:26380,[::1]:26381"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TTHC_REDIS_URL", "TTHC_REDIS_SENTINELS", "TTHC_REDIS_MASTER", "TTHC_REDIS_WAIT_REPLICAS"):
        monkeypatch.delenv(name, raising=False)


def test_sentinels_are_parsed_and_wait_for_one_replica_by_default() -> None:
    settings = Settings(redis_sentinels=SENTINELS)
    assert settings.sentinel_nodes == [("sentinel-a", 26379), ("sentinel-b", 26380), ("::1", 26381)]
    assert settings.redis_master == "tthc" and settings.wait_replicas == 1 and settings.redis_wait_ms == 1000
    assert Settings().sentinel_nodes == [] and Settings().wait_replicas == 0
    assert Settings(redis_sentinels=SENTINELS, redis_wait_replicas=0).wait_replicas == 0
    assert Settings(redis_wait_replicas=2).wait_replicas == 2


@pytest.mark.parametrize("value", ["sentinel-a", "host:port", "a:26379,b", "a:0", "a:70000", ":26379"])
def test_a_malformed_sentinel_list_is_refused_naming_the_item(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TTHC_REDIS_SENTINELS", value)
    with pytest.raises(ValidationError, match="TTHC_REDIS_SENTINELS must look like host:port,host:port"):
        Settings()


def test_sentinels_need_a_redis_url_and_wait_needs_a_timeout() -> None:
    with pytest.raises(ValidationError, match=r"TTHC_REDIS_URL must be redis:// or rediss://"):
        Settings(redis_sentinels="a:26379", redis_url="unix:///run/redis.sock")
    with pytest.raises(ValidationError, match="redis_wait_ms"):
        Settings(redis_wait_ms=0)  # WAIT 0 would block for ever


async def test_through_sentinels_the_client_takes_only_the_database_and_password_from_the_url() -> None:
    settings = Settings(
        redis_sentinels=SENTINELS, redis_master="main", redis_url="redis://:s3cret@ignored:1/4"
    )
    client = connect_settings(settings)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "main"
    assert pool.connection_class is HiredisSentinelConnection
    kwargs = pool.connection_kwargs
    assert kwargs["db"] == 4 and kwargs["password"] == "s3cret" and "host" not in kwargs
    assert kwargs["socket_timeout"] == 6.0  # 5 s, and the 1 s a WAIT may block
    assert sentinel_of(client) == (settings.sentinel_nodes, "main")
    broker = broker_for(settings.redis_url, client, "test")
    assert isinstance(broker, RedisSentinelBroker)
    await client.aclose()


async def test_through_sentinels_a_rediss_url_means_tls_to_the_primary() -> None:
    client = connect_settings(Settings(redis_sentinels=SENTINELS, redis_url="rediss://:pw@ignored:1/0"))
    assert client.connection_pool.connection_class is SentinelManagedSSLConnection
    await client.aclose()


async def test_without_sentinels_the_client_goes_to_the_url() -> None:
    client = connect_settings(Settings(redis_url="redis://127.0.0.1:6390/2"))
    assert client.connection_pool.connection_class is HiredisPackedConnection
    assert client.connection_pool.connection_kwargs["port"] == 6390
    assert sentinel_of(client) is None
    broker = broker_for("redis://127.0.0.1:6390/2", client, "test")
    assert type(broker) is RedisBroker
    await client.aclose()


def test_tthc_up_names_the_sentinels_that_do_not_answer() -> None:
    silent = f"127.0.0.1:{free_port()}"
    problem = redis_problem(Settings(redis_sentinels=silent))
    assert problem is not None
    assert f"the primary 'tthc' of the sentinels {silent} does not answer" in problem
    assert "No master found" in problem and "TTHC_REDIS_SENTINELS" in problem
