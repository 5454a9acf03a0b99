"""Tests of app_data, the app's only door to the warehouse: one file per module."""
