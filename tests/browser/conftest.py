"""The real-browser test: `pytest tests/browser` runs it alone, `-m "not browser"` leaves it out."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium against a running app (tests/browser)")
