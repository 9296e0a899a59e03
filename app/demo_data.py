"""What the demo steps share (app/demo.py and app/demo_results.py): the stations, the staff-role accounts, the
banks' owner and names, the training room and timetable. A module of its own so the two step modules import
it rather than each other."""

from app.core.roles import Role
from app.training.states import Slot

# (name, kind); a branch toll point (收费点) is smaller than a station but has the same teams.
STATIONS = (("东郊收费站", "station"), ("西郊收费站", "station"), ("北环收费点", "point"))

STAFF_ACCOUNTS = (
    ("admin", "系统管理员", Role.ADMIN, "系统管理员"),
    ("hr01", "周慧敏", Role.HR, "人事培训专员"),
    ("trainer01", "郑国强", Role.TRAINER, "主讲人员"),
)

BANK_OWNER = "trainer01"


def demo_bank_name(course, stem: str) -> str:
    """法规 course, law.csv → "相关法律、法规知识题库"; another file of the course → "…题库（stem）"."""
    return f"{course.name}题库" if stem == course.code else f"{course.name}题库（{stem}）"


# Two batches, so at most half of a station may be away at once (a third would need three batches).
DEMO_SHARE = (1, 2)
DEMO_ROOM = "培训中心一号教室"
DEMO_ROOM_CAPACITY = 50
# (day offset in the batch, slot, course): law takes a full day, the other three half a day each.
DEMO_TIMETABLE = ((0, Slot.FULL, "law"), (1, Slot.AM, "integrity"), (1, Slot.PM, "etiquette"), (2, Slot.AM, "procedures"))
