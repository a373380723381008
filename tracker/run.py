"""`make run`: the web app, a Celery worker and beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings


def main() -> int:
    from claims.demo import DEFAULT_PASSWORD  # needs the app registry, ready only after django.setup()

    port = os.environ.get("PORT", "8000")
    python = sys.executable
    beat_schedule = str(settings.VAR_DIR / "celerybeat-schedule")
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--queues=celery,checks,checks_now",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "tracker",
            "beat",
            "--loglevel=INFO",
            f"--schedule={beat_schedule}",
        ],
    }
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}
    password = "the value of DEMO_PASSWORD" if settings.DEMO_PASSWORD else DEFAULT_PASSWORD
    print(
        f"\nArms-Transfer Claim Tracker on http://127.0.0.1:{port}/\n"
        f"  log in at http://127.0.0.1:{port}/accounts/login/ (admin: /admin/)\n"
        f"  users: editor, reviewer, viewer — password: {password}\n"
        "  Ctrl-C stops the web app, the worker and beat.\n",
        flush=True,
    )
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping the rest.", flush=True)
                exit_code = process.returncode or 1
                stopping = True
        time.sleep(0.5)
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return exit_code


if __name__ == "__main__":
    import django

    os.umask(0o077)  # the database, broker and evidence files are for this user only (children inherit)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    django.setup()
    sys.exit(main())
