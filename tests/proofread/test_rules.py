"""Caption rules (GB/T 15834-2011, GB/T 15835-2011) on realistic poverty-alleviation captions:
each rule with captions it must flag (the marked text and the suggested fix checked) and
captions it must leave alone, a clean set with no finding at all, and fixes applied in bulk."""

from __future__ import annotations

from datetime import date

import pytest

from album.proofread.rules import RULE_NAMES, Finding, apply_all, apply_finding, proofread, two_digit_year

# (caption, rule, marked text, suggestion)
FLAGGED = [
    ("2019年,昭觉县阿土列尔村72户村民搬进新居。", "punct.halfwidth", ",", "，"),
    ("合作社社员在大棚里采摘草莓.", "punct.halfwidth", ".", "。"),
    ("村党支部书记介绍:全村已脱贫。", "punct.halfwidth", ":", "："),
    ("易地扶贫搬迁安置点建成后 ;群众住上了新房。", "punct.halfwidth", " ;", "；"),
    ("这是哪家合作社的茶园?", "punct.halfwidth", "?", "？"),
    ("产业兴旺，日子红火!", "punct.halfwidth", "!", "！"),
    ("布拖县(乐安镇)的易地扶贫搬迁集中安置点。", "punct.halfwidth", "(乐安镇)", "（乐安镇）"),
    ("村民在扶贫车间(2号厂房)里加工服装。", "punct.halfwidth", "(2号厂房)", "（2号厂房）"),
    ('村口挂着"脱贫攻坚战"的标语。', "punct.quote", '"脱贫攻坚战"', "“脱贫攻坚战”"),
    ("老支书说：“乡亲们都说'好日子是干出来的'。”", "punct.quote", "'好日子是干出来的'", "‘好日子是干出来的’"),
    ("村民们称他为'第一书记'。", "punct.quote", "'第一书记'", "“第一书记”"),
    ("村民学习〈乡村振兴促进法〉。", "punct.nesting", "〈乡村振兴促进法〉", "《乡村振兴促进法》"),
    ("农家书屋里的《读《乡土中国》札记》。", "punct.nesting", "《乡土中国》", "〈乡土中国〉"),
    ("村民们说‘不愁吃、不愁穿’。", "punct.nesting", "‘不愁吃、不愁穿’", "“不愁吃、不愁穿”"),
    ("墙上写着“两不愁”三保障”。", "punct.unbalanced", "”", None),
    ("孩子们在读《脱贫攻坚故事。", "punct.unbalanced", "《", None),
    ("农家书屋新添了《史记》、《汉书》等图书。", "punct.dunhao", "》、《", "》《"),
    ("标语写着“扶贫先扶志”、“扶贫必扶智”。", "punct.dunhao", "”、“", "”“"),
    ("核桃、花椒、苹果...合作社的产品远销省外。", "punct.ellipsis", "...", "……"),
    ("村民们种上了玉米、土豆。。。", "punct.ellipsis", "。。。", "……"),
    ("新房、新路、新产业…一切都变了。", "punct.ellipsis", "…", "……"),
    ("悬崖村-阿土列尔村的钢梯。", "punct.dash", "-", "——"),
    ("最后一户搬迁户—吉克阿呷一家住进新居。", "punct.dash", "—", "——"),
    ("脱贫攻坚--凉山的答卷。", "punct.dash", "--", "——"),
    ("村里的路修好了，，孩子们上学方便了。", "punct.doubled", "，，", "，"),
    ("易地扶贫搬迁安置点正式交付。。", "punct.doubled", "。。", "。"),
    ("我们脱贫了！！", "punct.doubled", "！！", "！"),
    ("阿土列尔村 位于美姑河大峡谷。", "space.chinese", " ", ""),
    ("合作社社员 ，在晾晒花椒。", "space.chinese", " ", ""),
    ("村民在\u3000新建的文化广场上跳达体舞。", "space.chinese", "\u3000", ""),
    ("2019-2021年，全县累计建成安置点12个。", "num.year_range", "2019-2021", "2019—2021"),
    ("2016~2020年脱贫攻坚期间的第一书记合影。", "num.year_range", "2016~2020", "2016—2020"),
    ("2018年-2020年，村集体经济收入逐年增长。", "num.year_range", "2018年-2020", "2018年—2020"),
    ("全村人均纯收入增长15～30%。", "num.range_unit", "15～30%", "15%～30%"),
    ("全州特色产业年产值9～16亿元。", "num.range_unit", "9～16亿", "9亿～16亿"),
    ("每户年增收1-2万元。", "num.range_unit", "1-2万", "1万～2万"),
    ("19年10月，最后一批搬迁户入住新居。", "num.short_year", "19年", "2019年"),
    ("村里于20年底通过了贫困县退出验收。", "num.short_year", "20年", "2020年"),
    ("安置点共安置3千人。", "num.magnitude", "3千", "3000"),
    ("合作社带动1.5千户农户种植花椒。", "num.magnitude", "1.5千", "1500"),
    ("村里新修了５公里硬化路。", "num.fullwidth", "５", "5"),
    ("人均年收入达到１２０００元。", "num.fullwidth", "１２０００", "12000"),
    ("二零一九年，昭觉县实现整村脱贫。", "num.year_zero", "二零一九", "二〇一九"),
    ("二零二零年十一月，凉山州最后7个贫困县摘帽。", "num.year_zero", "二零二零", "二〇二〇"),
]

# (caption, rule it must not raise)
UNFLAGGED = [
    ("大棚面积3.5万平方米，亩产提高12.5%。", "punct.halfwidth"),
    ("全县GDP增长8.2%，A.B两级村道全部硬化。", "punct.halfwidth"),
    ("详情见www.lsz.gov.cn，热线0834-3221234。", "punct.halfwidth"),
    ("村民在扶贫车间（2号厂房）里加工服装。", "punct.halfwidth"),
    ("游客来自Xi'an和Chengdu。", "punct.quote"),
    ("老支书说：“乡亲们都说‘好日子是干出来的’。”", "punct.nesting"),
    ("农家书屋里的《读〈乡土中国〉札记》。", "punct.nesting"),
    ("墙上写着“两不愁三保障”。", "punct.unbalanced"),
    ("农家书屋新添了《史记》《汉书》等图书。", "punct.dunhao"),
    ("核桃、花椒、苹果……合作社的产品远销省外。", "punct.ellipsis"),
    ("新房、新路、新产业……一切都变了。", "punct.ellipsis"),
    ("悬崖村——阿土列尔村的钢梯。", "punct.dash"),
    ("G4217线蓉昌高速公路K12-K15段。", "punct.dash"),
    ("我们脱贫了！", "punct.doubled"),
    ("阿土列尔村位于美姑河大峡谷，海拔1400米。", "space.chinese"),
    ("村民使用 5G 网络直播销售农产品。", "space.chinese"),
    ("2019—2021年，全县累计建成安置点12个。", "num.year_range"),
    ("2019年至2021年，全县累计建成安置点12个。", "num.year_range"),
    ("全村人均纯收入增长15%～30%。", "num.range_unit"),
    ("全州特色产业年产值9亿～16亿元。", "num.range_unit"),
    ("驻村工作队在这里坚守了近10年。", "num.short_year"),
    ("从10年前的土坯房到今天的安置房。", "num.short_year"),
    ("30年来，这条路第一次通了客车。", "num.short_year"),
    ("钢梯全长2.5千米，共2556级。", "num.magnitude"),
    ("合作社年产花椒5千克以上的农户有120户。", "num.magnitude"),
    ("安置点共安置3000人。", "num.magnitude"),
    ("村里新修了5公里硬化路。", "num.fullwidth"),
    ("二〇一九年，昭觉县实现整村脱贫。", "num.year_zero"),
    ("一千零一户村民搬进了新居。", "num.year_zero"),
]

CLEAN = [
    "2020年5月，昭觉县支尔莫乡阿土列尔村的村民沿着新建的钢梯下山。",
    "易地扶贫搬迁后，沐恩邸社区的孩子们在新学校里上课。",
    "布拖县特木里镇易地扶贫搬迁集中安置点，共安置1.2万人。",
    "合作社社员在大棚里采摘草莓，每亩年收入约3万元。",
    "村党支部书记在“农民夜校”上讲解惠民政策。",
    "农家书屋里摆放着《乡土中国》《平凡的世界》等图书。",
    "2016—2020年，全县累计减贫1.8万户7.6万人。",
    "村集体经济收入从2015年的不足1万元增长到2020年的26万元。",
    "驻村第一书记（右一）与村民商量花椒产业发展。",
    "美姑县的马铃薯种植基地，亩产提高了15%～20%。",
    "扶贫车间里，搬迁群众在家门口就业，月收入2000～3000元。",
    "悬崖村——阿土列尔村的新旧钢梯。",
    "二〇二〇年十一月十七日，凉山州最后7个贫困县退出贫困县序列。",
    "“两不愁三保障”全面实现，村民们跳起了达体舞。",
    "全州特色农产品网络销售额达9亿～16亿元。",
    "新修的通村硬化路全长12.5公里，GDP同比增长8.2%。",
    "游客在民宿前拍照留念，当地村民经营的农家乐每年接待游客5000人次。",
    "老支书说：“我们村‘穷’字头上的帽子摘掉了。”",
    "村民在电商服务站通过5G网络直播销售核桃、花椒、苹果……",
    "冬季农闲时节，村民在技能培训班学习电焊技术。",
    "喜德县光明镇的光伏电站年发电量达560万千瓦时。",
    "孩子们在新建的幼儿园里学说普通话（“学前学会普通话”行动）。",
    "2019年10月，最后一批搬迁户领到了新居钥匙。",
    "雷波县的脐橙种植面积达到30万亩，产值约9亿元。",
]


def test_enough_cases() -> None:
    assert len(FLAGGED) + len(UNFLAGGED) >= 40
    rules = set(RULE_NAMES)
    assert {rule for _, rule, _, _ in FLAGGED} == rules  # every rule fails somewhere
    assert {rule for _, rule in UNFLAGGED} == rules  # and passes somewhere
    assert len(CLEAN) >= 20


@pytest.mark.parametrize(("caption", "rule", "marked", "suggestion"), FLAGGED, ids=[c[0][:12] for c in FLAGGED])
def test_flagged(caption: str, rule: str, marked: str, suggestion: str | None) -> None:
    found = [f for f in proofread(caption) if f.rule == rule]
    assert [(f.text, f.suggestion) for f in found] == [(marked, suggestion)]
    finding = found[0]
    assert caption[finding.start:finding.end] == marked
    assert finding.message and all("\u4e00" <= ch <= "\u9fff" for ch in finding.message[:2])
    if suggestion is not None:
        assert rule not in {f.rule for f in proofread(apply_finding(caption, finding))}


@pytest.mark.parametrize(("caption", "rule"), UNFLAGGED, ids=[c[0][:12] for c in UNFLAGGED])
def test_unflagged(caption: str, rule: str) -> None:
    assert [f for f in proofread(caption) if f.rule == rule] == []


@pytest.mark.parametrize("caption", CLEAN, ids=[c[:12] for c in CLEAN])
def test_clean_caption_has_no_finding(caption: str) -> None:
    assert proofread(caption) == []


def test_applying_everything_leaves_nothing() -> None:
    dirty = ('19年,昭觉县 阿土列尔村(悬崖村)的"钢梯"换新了...全村3千人-户户搬进新居，，'
             "人均收入增长15～30%，二零一九年产值９～16亿元，见《史记》、《汉书》!")
    assert len({f.rule for f in proofread(dirty)}) >= 10
    fixed = apply_all(dirty)
    assert proofread(fixed) == []
    assert fixed == ("2019年，昭觉县阿土列尔村（悬崖村）的“钢梯”换新了……全村3000人——户户搬进新居，"
                     "人均收入增长15%～30%，二〇一九年产值9亿～16亿元，见《史记》《汉书》！")


def test_apply_refuses_a_finding_for_other_text() -> None:
    finding = proofread("产业兴旺,日子红火。")[0]
    with pytest.raises(ValueError):
        apply_finding("产业兴旺，日子红火。", finding)
    unfixable = Finding("punct.unbalanced", "…", 0, 1, "《", None)
    with pytest.raises(ValueError):
        apply_finding("《书", unfixable)


def test_short_year_century_follows_today() -> None:
    found = list(two_digit_year("于98年建成", today=date(2026, 1, 1)))
    assert [f.suggestion for f in found] == ["1998年"]
