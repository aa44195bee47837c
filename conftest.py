# Test settings: dangjian/settings_test.py (named in pyproject.toml).
pytest_plugins = ["dangjian.testing.fixtures", "dangjian.testing.browser"]
