"""The import page in Chinese says why it could not read a file: each kind of bad file
(an encoding, a CSV row it cannot read, a workbook or its sheets, a Parquet file) is
refused in Chinese on a Chinese page, and in the English it always said on an English one
(tests/services/importing/test_reasons_said_files.py has every English line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories.bad_files import BAD_FILES
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown

#: What the Chinese page says of each bad file (a part of it: the rest is the file's own).
CHINESE = {
    "latin-1": "不是 UTF-8——文件使用了 GBK 或 Latin-1 等旧编码；请另存为 UTF-8（CSV UTF-8）后重试",
    "cut character": "文件在一个 UTF-8 字符的中间结束（文件第 149 字节处的字节 0xe4）",
    "gzip": "gz.csv：该文件是gzip 压缩文件，不是 CSV 文本；请先解压；未导入任何数据",
    "utf-16 without a mark": "表头含有 NUL 字节：该文件似乎是没有字节顺序标记的 UTF-16",
    "not utf-16 after a mark": "文件以 UTF-16 字节顺序标记开头，但不是有效的 UTF-16（第 4 字节）",
    "unclosed quote": "引号未闭合：该值以引号开头，却始终没有闭合；请补上右引号，或删除此引号",
    "unclosed until a later line": "引号未闭合：该值以引号开头，直到文件第 3 行才闭合",
    "text after a closing quote": "右引号之后还有文字；请删除，或给整个值加引号",
    "a quote in an unquoted value": "值未加引号，其中却有引号",
    "a quote in a column name": "列名未加引号，其中却有引号",
    "too many fields": "该行有 11 个字段，而表头只有 10 个；含逗号的值请加引号",
    "a row that ends early": "该行提前结束：只有 9 个字段，而表头有 10 个（空值也需要保留其逗号）",
    "coordinates swapped": (
        "纬度和经度似乎填反了：该点距地区 R-C-V1 的其他行 5417 公里，对调后为 0 公里"
    ),
    "a title above the header": (
        "第 1 行不是应有的表头（其中为 'Households of 2026'）；表头在第 2 行：请删除其上方的行"
    ),
    "not a workbook": "text.xlsx：不是 Excel 工作簿（.xlsx）：该文件不是工作簿应有的 ZIP 压缩格式",
    "a legacy workbook": "old.xls：该文件是旧版 Excel（.xls）工作簿，无法读取",
    "a legacy workbook named xlsx": (
        "该文件是被命名为 .xlsx 的旧版 Excel（.xls）工作簿，或是设有密码的工作簿"
    ),
    "a damaged workbook": "bad.xlsx：无法读取该工作簿：",
    "every sheet hidden": (
        "hidden.xlsx：工作簿的所有工作表都已隐藏；请取消隐藏要导入的工作表；未导入任何数据"
    ),
    "a spreadsheet error": "2 name 含有电子表格错误 #N/A；请更正或清空该单元格",
    "a formula without its value": "2 name 单元格 B2 中的公式保存时没有计算结果",
    "cells merged over rows": "2 name 单元格 B2:B3 跨多行合并，只有第一行存有值",
    "a number past 2^53": (
        "超过 9,007,199,254,740,991（2^53 - 1）的浮点数会被舍入保存，因此可能不是输入的数字；"
        "请将该列设为文本格式，再重新输入该值"
    ),
    "an empty first sheet": (
        "读取的工作表 'Sheet1'（第一个可见的工作表）为空；数据似乎在工作表 'Visitors'上"
    ),
    "the data on another sheet": (
        "读取的工作表（工作表 'Notes'，2 个工作表中第一个可见的）缺少应有的列；"
        "这些列都在工作表 'Visitors'上"
    ),
    "a hidden first sheet": (
        "later.xlsx（工作表 'Visitors'，2 个工作表中第一个可见的，排在 1 个隐藏工作表之后）："
        "1 处错误；未导入任何数据"
    ),
    "not a parquet file": "bad.parquet：无法读取该 Parquet 文件：",
    "a list column": "类型为 List(String) 的列无法导入；请将其存为文本，各值以“;”分隔",
    "a duration column": "类型为 Duration(time_unit='us') 的列无法导入；请将其存为文本",
    "bytes not utf-8": "字节不是 UTF-8 文本；请将该列存为 UTF-8 文本",
    "an infinite number": "无穷大不是有效的值；请填写该值，或将单元格留空",
    "a float past 2^53": "请将该列存为文本或整数（int64）",
}
#: A part of what the English page says of each, as it always did.
ENGLISH = {
    "latin-1": "is not UTF-8 — the file is in a legacy encoding such as GBK or Latin-1",
    "gzip": "gz.csv: the file is gzip-compressed, not CSV text; unpack it first; nothing",
    "unclosed quote": "unclosed quote: this value opens with a quote that never closes",
    "every sheet hidden": "every sheet of the workbook is hidden; unhide the one to import",
    "a hidden first sheet": (
        "later.xlsx (sheet 'Visitors', the first visible of 2, after 1 hidden sheet(s)): 1 error"
    ),
    "a list column": "a column of type List(String) cannot be imported; store it as text",
}


def _post(sign_in: SignIn, tmp_path: Path, name: str, headers: dict[str, str] | None) -> str:
    entity, make = BAD_FILES[name]
    with make(tmp_path).open("rb") as fh:
        page = sign_in("boss").post(
            "/imports", data={"kind": entity}, files={"file": fh}, headers=headers
        )
    assert page.status_code == 422, page.text
    return _shown(page.text)


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_file_the_import_cannot_read_is_refused_in_chinese_on_a_chinese_page(
    sign_in: SignIn, tmp_path: Path, name: str
) -> None:
    chinese = _post(sign_in, tmp_path, name, ZH)
    assert CHINESE[name] in chinese, chinese
    if name in ENGLISH:
        assert ENGLISH[name] in _post(sign_in, tmp_path, name, None)
