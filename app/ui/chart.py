"""A small bar chart of events per day, drawn with QPainter (QtCharts is not shipped)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLOR = QColor("#1d6fb8")
AXIS_MARGIN_PX = 24


class DailyBarChart(QWidget):
    """One bar per day, scaled to the busiest day, with the first and last date and the maximum."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: list[tuple[date, int]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(120)

    def sizeHint(self) -> QSize:
        return QSize(480, 140)

    def set_days(self, days: list[tuple[date, int]], type_name: str | None = None) -> None:
        """Show a count per day; `type_name` names the one event type counted, None all of them."""
        self._days = list(days)
        if type_name is None:
            tooltip = self.tr("Events in the last %1 days: %2")
        else:
            tooltip = self.tr('Events of the type "%3" in the last %1 days: %2').replace("%3", type_name)
        self.setToolTip(tooltip.replace("%1", str(len(self._days))).replace("%2", str(self.total())))
        self.update()

    def days(self) -> list[tuple[date, int]]:
        return list(self._days)

    def total(self) -> int:
        return sum(count for _, count in self._days)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_color = self.palette().color(self.foregroundRole())
        plot = QRectF(self.rect()).adjusted(AXIS_MARGIN_PX, 8, -8, -AXIS_MARGIN_PX)

        if not self._days:
            painter.setPen(text_color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No events in this period"))
            return
        if self.total() == 0:
            # Without a count there is no scale, so the chart shows a sentence instead of an axis.
            painter.setPen(text_color)
            text = self.tr("No events in the last %1 days").replace("%1", str(len(self._days)))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            return

        busiest = max(count for _, count in self._days)
        slot_width = plot.width() / len(self._days)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAR_COLOR)
        for position, (_, count) in enumerate(self._days):
            height = plot.height() * count / busiest
            bar = QRectF(plot.left() + position * slot_width + 1, plot.bottom() - height, max(slot_width - 2, 1), height)
            painter.drawRect(bar)

        painter.setPen(text_color)
        label_height = AXIS_MARGIN_PX - 4
        below = QRectF(plot.left(), plot.bottom() + 4, plot.width(), label_height)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, self._days[0][0].isoformat())
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, self._days[-1][0].isoformat())
        left_axis = QRectF(0, plot.top(), AXIS_MARGIN_PX - 4, label_height)
        painter.drawText(left_axis, Qt.AlignmentFlag.AlignRight, str(busiest))
