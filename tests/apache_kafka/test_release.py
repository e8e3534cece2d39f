"""The pinned release: its version read from the pom, the classpath cached by the pom's hash and
reused while its jars exist, and a clear MissingTool when it cannot be resolved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.apache_kafka import release
from engine.apache_kafka.release import MissingTool, Tools
from tests.paths import ROOT


def test_the_pom_pins_one_kafka_4_release() -> None:
    version = release.kafka_version()
    assert version.startswith("4.")
    text = release.POM.read_text()
    for artifact in ("kafka_2.13", "kafka-server", "kafka-clients"):
        assert f"<artifactId>{artifact}</artifactId>" in text
    assert text.count("${kafka.version}") == 3  # every Kafka artifact follows the one pin


def test_a_pom_without_a_version_is_a_clear_error(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project/>")
    with pytest.raises(ValueError, match="kafka.version"):
        release.kafka_version(pom)


def test_the_cached_classpath_is_used_while_its_jars_exist(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    jar = tmp_path / "a.jar"
    jar.write_bytes(b"")
    cached = release.cached_classpath_file()
    assert cached.is_relative_to(tmp_path / "cache")
    assert release.pom_hash() in cached.name
    cached.parent.mkdir(parents=True)
    cached.write_text(str(jar))
    no_maven = Tools(java="java", javac=None, mvn=None)
    assert release.resolve_classpath(no_maven) == str(jar)
    jar.unlink()  # a jar gone from ~/.m2: resolve again, which needs Maven
    with pytest.raises(MissingTool, match="mvn"):
        release.resolve_classpath(no_maven)


def test_find_tools_names_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingTool, match="install a JDK"):
        release.find_tools()


def test_the_wheel_ships_the_pom_and_the_java_driver(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile


    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"engine/apache_kafka/pom.xml", "engine/apache_kafka/java/ProducerDriver.java"} <= names


def test_asking_for_java_and_mvn_does_not_load_the_cluster() -> None:
    """The app's run panel asks kafka_missing() as it is built: that must not import the cluster and
    proxy modules (a quarter of a second on the UI thread); KafkaCluster still loads on first use."""
    code = ("import sys; from engine.apache_kafka.release import kafka_missing; kafka_missing(); "
            "import course.widgets.run_panel; "
            "assert 'engine.apache_kafka.cluster' not in sys.modules, 'cluster imported'; "
            "from engine.apache_kafka import KafkaCluster; "
            "assert 'engine.apache_kafka.cluster' in sys.modules and KafkaCluster.__name__ == 'KafkaCluster'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)
