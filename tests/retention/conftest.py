from tests.logs.conftest import active_log  # noqa: F401 (fixture)
