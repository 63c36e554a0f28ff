"""Test support: fake external servers (SMTP, SMS gateway) running inside the test process."""
