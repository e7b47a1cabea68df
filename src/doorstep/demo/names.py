"""Chinese personal names, drawn in bulk: a common surname and a one- or two-character given name.

The surname weights follow their rough national frequency (per cent of the population); the
given-name characters are common ones used for all genders. Names are drawn independently of
place and language, so a name tells nothing about anyone's origin.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2),
    ("赵", 2.0), ("吴", 2.0), ("周", 1.9), ("徐", 1.3), ("孙", 1.2), ("马", 1.1), ("朱", 1.1),
    ("胡", 1.1), ("郭", 1.1), ("何", 1.0), ("罗", 1.0), ("高", 1.0), ("林", 1.0), ("郑", 0.9),
    ("梁", 0.9), ("谢", 0.8), ("宋", 0.7), ("唐", 0.7), ("许", 0.7), ("韩", 0.6), ("邓", 0.6),
    ("冯", 0.6), ("曹", 0.6), ("彭", 0.6), ("曾", 0.5), ("肖", 0.5), ("田", 0.5), ("董", 0.5),
    ("潘", 0.5), ("袁", 0.5), ("蔡", 0.5), ("蒋", 0.5), ("余", 0.5), ("于", 0.5), ("杜", 0.4),
    ("叶", 0.4), ("程", 0.4), ("魏", 0.4), ("苏", 0.4), ("吕", 0.4), ("丁", 0.4), ("任", 0.4),
    ("卢", 0.4), ("姚", 0.4), ("沈", 0.4), ("钟", 0.4), ("姜", 0.4), ("崔", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("范", 0.3), ("汪", 0.3), ("廖", 0.3), ("石", 0.3), ("金", 0.3), ("韦", 0.3),
    ("贾", 0.3), ("夏", 0.3), ("付", 0.3), ("方", 0.3), ("邹", 0.3), ("熊", 0.3), ("白", 0.3),
    ("孟", 0.3), ("秦", 0.3), ("邱", 0.3), ("侯", 0.3), ("江", 0.3), ("尹", 0.3), ("薛", 0.3),
    ("闫", 0.3), ("段", 0.3), ("雷", 0.3), ("龙", 0.3), ("黎", 0.2), ("史", 0.2), ("陶", 0.2),
    ("贺", 0.2), ("毛", 0.2), ("郝", 0.2), ("顾", 0.2), ("龚", 0.2), ("邵", 0.2), ("万", 0.2),
    ("覃", 0.2), ("武", 0.2), ("钱", 0.2), ("戴", 0.2), ("严", 0.2), ("莫", 0.2), ("孔", 0.2),
    ("向", 0.2), ("常", 0.2), ("欧", 0.1), ("杭", 0.1), ("岑", 0.1), ("吉", 0.1), ("安", 0.1),
)  # fmt: skip

# Common given names across generations (建国 and 秀英 for the elders, 子涵 for the young).
_GIVEN_DOUBLE = [
    "建国",
    "建华",
    "国强",
    "志强",
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "海燕",
    "晓燕",
    "丽娟",
    "春梅",
    "红梅",
    "志明",
    "文华",
    "建军",
    "永强",
    "德明",
    "金花",
    "玉梅",
    "明华",
    "国华",
    "建平",
    "海波",
    "晓东",
    "晓红",
    "春华",
    "丽华",
    "秀珍",
    "玉珍",
    "志刚",
    "国庆",
    "建新",
    "红霞",
    "文静",
    "子涵",
    "梓轩",
    "浩然",
    "宇轩",
    "欣怡",
    "思雨",
    "一诺",
    "雨桐",
    "子轩",
    "诗涵",
    "俊杰",
    "佳怡",
    "家豪",
    "晨曦",
    "天佑",
    "雅琪",
    "婷婷",
    "秀梅",
    "凤英",
    "德华",
    "玉芬",
    "桂芳",
    "福贵",
    "光明",
    "永福",
    "学文",
    "世荣",
    "正平",
    "发明",
    "昌盛",
    "富贵",
    "小平",
    "小红",
    "小兵",
    "春燕",
    "秋菊",
    "冬梅",
    "海军",
    "金凤",
    "银花",
    "长春",
    "树林",
    "双喜",
    "明亮",
    "开云",
    "光荣",
    "胜利",
    "卫东",
    "秀芝",
    "淑芬",
    "翠花",
    "庆华",
    "春生",
    "德贵",
]
_GIVEN_SINGLE = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华萍红辉鹏飞波宇浩宁欣佳俊晨阳雪")
# One in four given names has a single character (王伟); the rest have two (王建国).
SINGLE_CHARACTER_SHARE = 0.25


def draw_names(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` full names such as ``"张建华"``, drawn without a per-name Python loop."""
    surnames = pl.Series([s for s, _ in _SURNAMES])
    weights = np.array([w for _, w in _SURNAMES])
    s_idx = rng.choice(len(surnames), size=n, p=weights / weights.sum())
    single = rng.random(n) < SINGLE_CHARACTER_SHARE
    # Index into the concatenation of both lists: singles first, then doubles.
    g_idx = np.where(
        single,
        rng.integers(0, len(_GIVEN_SINGLE), size=n),
        len(_GIVEN_SINGLE) + rng.integers(0, len(_GIVEN_DOUBLE), size=n),
    )
    given = pl.Series(_GIVEN_SINGLE + _GIVEN_DOUBLE)
    frame = pl.DataFrame({"surname": surnames.gather(s_idx), "given": given.gather(g_idx)})
    return frame.select(pl.concat_str(["surname", "given"]).alias("name")).to_series()
