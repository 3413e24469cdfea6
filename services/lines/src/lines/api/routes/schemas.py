"""Bodies both line routers answer with."""

from pydantic import BaseModel

from lines.domain.lines import Line
from lines.use_cases.verification import CodeSent


class LineOut(BaseModel):
    line_id: str
    number: str
    service_type: str
    status: str

    @classmethod
    def of_line(cls, line: Line) -> "LineOut":
        return cls(
            line_id=line.line_id,
            number=line.number,
            service_type=line.service_type.value,
            status=line.status.value,
        )


class CodeSentOut(BaseModel):
    sent_to: str
    resend_after: int
    expires_in: int

    @classmethod
    def of_sent(cls, sent: CodeSent) -> "CodeSentOut":
        return cls(sent_to=sent.sent_to, resend_after=sent.resend_after, expires_in=sent.expires_in)


class LineCreatedOut(LineOut, CodeSentOut):
    @classmethod
    def sent(cls, sent: CodeSent) -> "LineCreatedOut":
        line, code = LineOut.of_line(sent.line), CodeSentOut.of_sent(sent)
        return cls(**line.model_dump(), **code.model_dump())
