"""Exit statuses of ``tthc`` besides 0 (done) and 1 (failed)."""

from __future__ import annotations

EX_CONFIG = 78
"""The configuration is wrong (sysexits.h's EX_CONFIG): a bad ``TTHC_*`` variable, a plan that
fails validation. Starting again cannot help, so ``tthc up`` does not restart a service that
exits with it: it stops every service and exits with it too."""
