"""nbgrader exchange for the course hub: submissions that only the instructor can read.

nbgrader's own ExchangeSubmit (0.9.6) copies a submission into <exchange>/<course>/inbound/<student>+<assignment>+
<timestamp>+<random> and makes it world-readable (files 0644) and even world-writable (the directory 0777), relying
on the random name and on inbound/ not being listable (0733) to hide it. A student who learns the name (a shared
screen, a log line) can then read or replace another student's work.

PrivateSubmit keeps nbgrader's behaviour and layout but makes the submission private to its owner and the group of
inbound/ (the instructor's group: inbound/ is set-group-ID, so new entries inherit that group): files 0640,
directories 2770 (the instructor may delete them, as nbgrader intends). `nbgrader collect`, run by the instructor,
reads them through that group.

Selected in nbgrader_config.py with  c.ExchangeFactory.submit = "golab_exchange.PrivateSubmit".
"""
import os

from nbgrader.exchange.default.submit import ExchangeSubmit

FILE_MODE = 0o640
DIR_MODE = 0o2770


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission readable by its owner and the instructor's group only."""

    def set_perms(self, dest, fileperms, dirperms):
        # Called by ExchangeSubmit.copy_files for the inbound copy (and, by nbgrader's own code, nowhere else on
        # submit); the student's private cache copy under ~/.local is not touched by set_perms.
        super().set_perms(dest, fileperms=FILE_MODE, dirperms=DIR_MODE)

    def copy_files(self):
        super().copy_files()
        # nbgrader chmods the submission's top directory to 0777 after set_perms; take that back.
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), DIR_MODE)
