"""The test kit plugin authors run on their own plugins: a helper that serves a fake server in a background
thread (``fakeserver``) and the shared contract of each provider kind (``gateway_contract``)."""
