# Every target bootstraps its own virtual environment on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BASE   := $(VENV)/.installed-base
STAMP  := $(VENV)/.installed
INSTALL = $(PY) -m pip install --quiet --disable-pip-version-check --no-compile -e
COMPILE = $(PY) -m compileall -q -j 0 -x '/tests?/' $(VENV)/lib > /dev/null

.PHONY: verify test test-fast fuzz bench figures latex pdf selftest clean

# verify needs the package alone; every other target the test extras too.  pip's compilation of every module runs
# on one core: it is left to compileall on all cores, the dependencies' own tests left out (half the install time)
$(BASE): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(INSTALL) .
	$(COMPILE)
	touch $(BASE)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(INSTALL) '.[test]'
	$(COMPILE)
	touch $(BASE) $(STAMP)

verify: $(BASE)
	$(VENV)/bin/mesaverify verify

# make test: ruff and mypy (every module through its import path, which is its file path), then every test, each test file on one worker (its module fixtures and the derivations it caches
# serve all its tests); make test-fast leaves out those marked slow (the costly checks' corruptions and read-backs,
# the wheel builds), for a quick round while editing
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy -p mesaverify
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q -n auto --dist loadfile

test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q -n auto --dist loadfile -m "not slow"

# FUZZ_EXAMPLES (default 1600) sets the examples of a property of unit cost; about 1.1·10^4 examples in all
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY_NOCOVER=1 $(PY) -m pytest -q -m fuzz -n 2 -p no:cacheprovider

bench: $(BASE)
	$(VENV)/bin/mesaverify bench

figures: $(BASE)
	$(VENV)/bin/mesaverify figures

latex: $(BASE)
	$(VENV)/bin/mesaverify latex --all

pdf: $(BASE)
	$(VENV)/bin/mesaverify latex --all --pdf

selftest: $(BASE)
	$(VENV)/bin/mesaverify selftest

clean:
	rm -rf build $(VENV) *.egg-info
