"""The course served to a real browser: `course serve` driven through headless Chromium."""
