"""nbgrader exchange for the course hub: submissions that only the instructor can read.

nbgrader's own ExchangeSubmit (0.9.6) copies a submission into <exchange>/<course>/inbound/<student>+<assignment>+
<timestamp>+<random> and makes it world-readable (files 0644) and even world-writable (the directory 0777), relying
on the random name and on inbound/ not being listable (0733) to hide it. A student who learns the name (a shared
screen, a log line) can then read or replace another student's work.

PrivateSubmit keeps nbgrader's behaviour and layout but makes the submission private to its owner and the group of
inbound/ (the instructor's group: inbound/ is set-group-ID, so new entries inherit that group): files 0640,
directories 0770 (the instructor may delete them, as nbgrader intends). `nbgrader collect`, run by the instructor,
reads them through that group.

Selected in nbgrader_config.py with  c.ExchangeFactory.submit = "golab_exchange.PrivateSubmit".
"""
import os
import tempfile

from nbgrader.exchange.default.submit import ExchangeSubmit

FILE_MODE = 0o640
DIR_MODE = 0o770


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission readable by its owner and the instructor's group only."""

    def set_perms(self, dest, fileperms, dirperms):
        # Called by ExchangeSubmit.copy_files for the inbound copy (and, by nbgrader's own code, nowhere else on
        # submit); the student's private cache copy under ~/.local is not touched by set_perms.
        super().set_perms(dest, fileperms=FILE_MODE, dirperms=DIR_MODE)

    def do_copy(self, src, dest, log=None):
        super().do_copy(src, dest, log)
        if os.path.dirname(os.path.normpath(dest)) != os.path.normpath(self.inbound_path):
            return  # the student's own cache copy
        # copytree ends with copystat, which clears set-group-ID on dest (the student is not in the instructor's
        # group), so the two files ExchangeSubmit writes next would get the student's group and stay unreadable to
        # the instructor. Make them now in a fresh directory of inbound/, which still passes the group on, and move
        # them in; ExchangeSubmit then writes into them, keeping their group.
        tmp = tempfile.mkdtemp(dir=self.inbound_path, prefix=".golab-")
        try:
            for name in ("timestamp.txt", "submission_secret.txt"):
                open(os.path.join(tmp, name), "w").close()
                os.rename(os.path.join(tmp, name), os.path.join(dest, name))
        finally:
            os.rmdir(tmp)

    def copy_files(self):
        super().copy_files()
        # nbgrader chmods the submission's top directory to 0777 after set_perms; take that back.
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), DIR_MODE)
