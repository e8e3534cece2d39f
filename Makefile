# Two commands: `make run` starts the course, `make test` runs the suite.
# Both create .venv and install the project into it on first use, and are quick after.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test oracle bench clean chromium

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/course

# Three workers on two cores: much of the suite waits (faults that time out, brokers starting,
# sessions expiring), so a third worker fills the idle CPU. The real-Kafka tests share one
# worker and one cluster (xdist group apache_kafka); --durations shows where the time goes. The
# oracle's long rows (each lesson example's Java twin and kafka-python port on both backends, about
# ten minutes more on that one worker) are left to `make oracle`.
test: $(STAMP) chromium
	$(PY) -m pytest -q -n 3 --dist loadgroup --durations=15 -m "not oracle_full"

# The whole real-Kafka oracle (needs a JDK and Maven; starts one 3-broker Kafka cluster): the producer
# matrix, the consumer rows and every lesson example with each client that has a script for it
# (confluent-kafka, Kafka's Java client, kafka-python), on the sandbox and on Kafka, then ONE table:
# row, client, sandbox outcome, Kafka outcome, same or different (tests/apache_kafka/oracle_table.py).
ORACLE_TESTS := tests/apache_kafka/test_matrix.py tests/apache_kafka/test_consumer_rows.py \
	tests/apache_kafka/test_lessons.py $(wildcard tests/apache_kafka/test_lessons_kafka_python.py)
oracle: $(STAMP)
	@mkdir -p build
	$(PY) -m pytest -q -p no:xdist -o junit_family=xunit1 $(ORACLE_TESTS) --junitxml=build/oracle.xml; \
	  status=$$?; $(PY) -m tests.apache_kafka.oracle_table build/oracle.xml; exit $$status

# tests/browser drives Debian's Chromium: installed here when missing and we are root. Elsewhere
# those tests skip with the reason; under CI=true they may not skip, so this fails instead.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
	  || { echo "make: could not install chromium: tests/browser will skip" >&2; [ "$$CI" != true ]; }; \
	elif [ "$$CI" = true ]; then \
	  echo "make: $(CHROMIUM) is missing and cannot be installed here (not root, or no apt-get)" >&2; exit 1; \
	else echo "make: $(CHROMIUM) is missing (apt-get install chromium, as root): tests/browser will skip" >&2; fi

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
