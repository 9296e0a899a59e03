"""The four courses of the plan, created by `flask demo` (and by the bank import when missing)."""

from decimal import Decimal

from app.courses.models import Course
from app.extensions import db

COURSES = (
    ("law", "相关法律、法规知识", "Laws and regulations", Decimal("1"),
     "《收费公路管理条例》《公路法》等与收费工作相关的法律、法规。"),
    ("integrity", "廉洁自律、职业道德", "Integrity and professional ethics", Decimal("0.5"),
     "收费纪律、票据管理、廉洁从业与职业道德。"),
    ("etiquette", "服务规范、礼仪、青年文明号管理办法", "Service norms, etiquette, Youth Civilization Post",
     Decimal("0.5"), "文明服务规范、礼仪礼节和青年文明号创建管理办法。"),
    ("procedures", "管理制度、收费流程、假钞识别", "Management rules, toll procedures, counterfeit detection",
     Decimal("0.5"), "收费管理制度、收费业务流程、免费通行与绿色通道政策、人民币防伪与假钞处理。"),
)


def ensure_courses() -> list[Course]:
    """Create the courses that are missing; existing ones are left as they are. Flushes."""
    existing = {course.code: course for course in db.session.scalars(db.select(Course))}
    for position, (code, name, name_en, days, description) in enumerate(COURSES):
        if code not in existing:
            existing[code] = Course(code=code, name=name, name_en=name_en, days=days,
                                    description=description, position=position)
            db.session.add(existing[code])
    db.session.flush()
    return sorted(existing.values(), key=lambda course: course.position)


def find_course(code: str) -> Course | None:
    return db.session.scalar(db.select(Course).where(Course.code == code.strip().lower()))
