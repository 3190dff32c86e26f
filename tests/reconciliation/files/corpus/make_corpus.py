"""Writes the files of this folder (run from the repository root; the files are committed)."""
# ruff: noqa: E501  (the files' lines are as long as banks write them)

from __future__ import annotations

import io
import zipfile
from pathlib import Path

OUT = Path("tests/reconciliation/files/corpus")
OUT.mkdir(parents=True, exist_ok=True)


def w(name: str, text: str | bytes, enc: str = "utf-8") -> None:
    data = text.encode(enc) if isinstance(text, str) else text
    (OUT / name).write_bytes(data)


# 1. ING-style: lines newest first, EUR, structured :86:
w(
    "ing_newest_first.sta",
    """:20:ING20250131
:25:NL20INGB0001234567
:28C:31/1
:60F:C250101EUR1000,00
:61:2501310131D50,00NTRFNONREF//ING0003
:86:/NAME/Stadswinkel/REMI/kaart 31-01
:61:2501150115C200,00NTRFEREF-7//ING0002
:86:/NAME/Gemeente Utrecht/REMI/subsidie
:61:2501020102D25,50NMSCNONREF//ING0001
:86:/REMI/kosten januari
:62F:C250131EUR1124,50
""",
)

# 2. Back-valued lines without entry date (value date before :60F:, one after :62F:)
w(
    "back_valued.sta",
    """{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:
:20:BV20250110
:25:0200001234567890
:28C:5/1
:60F:C250105CNY5000,00
:61:250103C100,00NTRFNONREF//BV001
:86:/NAME/郑州某科技有限公司/REMI/补缴 起息日 01-03
:61:250107D40,00NTRFNONREF//BV002
:86:手续费
:61:250112C1,00NTRFNONREF//BV003
:86:利息 起息日 01-12
:62F:C250110CNY5061,00
-}
""",
)

# 3. :60F: dated at the period's end, the period's lines (with entry dates) before it
w(
    "period_end_opening.sta",
    """:20:PE202501
:25:0200001234567890
:28C:1/1
:60F:C250131CNY2000,00
:61:2501020102C300,00NTRFE2E-1//PE001
:86:/NAME/郑州市财政局/REMI/风险补偿金
:61:2501200120D100,00NTRFNONREF//PE002
:86:代偿
:62F:C250131CNY2200,00
""",
)

# 4. Two accounts' statements separated by ^Z (0x1A) on the :20: line, ^Z at the end
w(
    "ctrl_z_two_accounts.sta",
    """:20:CTZ-A
:25:41050100000000000001
:28C:12/1
:60F:C250301CNY100,00
:61:2503030303C50,00NTRFNONREF//A001
:86:/NAME/甲公司
:62F:C250303CNY150,00
\x1a:20:CTZ-B
:25:41050100000000000002
:28C:3/1
:60F:C250301CNY900,00
:61:2503040304D20,00NTRFNONREF//B001
:86:/NAME/乙公司
:62F:C250304CNY880,00
\x1a""",
)

# 5. A balanced multi-statement file, every kind of separator, one account chained
w(
    "multi_statement_balanced.sta",
    """{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:
:20:MS1
:25:0200001234567890
:28C:7/1
:60F:C250102CNY1000,00
:61:2501030103C10,00NTRFNONREF//MS001
:86:/REMI/one
:62F:C250103CNY1010,00
:64:C250103CNY1010,00
:86:statement-level information, no line's
-}{5:{CHK:0123456789AB}}
{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4::20:MS2
:25:0200001234567890
:28C:8/1
:60F:C250103CNY1010,00
:61:2501040104D5,00NTRFNONREF//MS002
:62F:C250104CNY1005,00

:20:MS3
:25:0200001234567890
:28C:9/1
:60F:C250104CNY1005,00
:61:2501050105C1,25NTRFNONREF//MS003
:62F:C250105CNY1006,25
:20:MS4
:25:0200001234567890
:28C:10/1
:60F:C250105CNY1006,25
:61:2501060106D0,25NTRFNONREF//MS004
:62F:C250106CNY1006,00
-
""",
)


# 6. camt.053 whose entries follow no booking-date order (as Belgian banks send them)
def ntry(ref: str, amt: str, ind: str, day: str) -> str:
    return f"""      <Ntry>
        <Amt Ccy="EUR">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>01</Cd></Prtry></BkTxCd>
      </Ntry>
"""


w(
    "unordered.camt053.xml",
    """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BE-1</MsgId><CreDtTm>2025-02-01T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BE-2025-01</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>2025-02-01T08:00:00</CreDtTm>
      <Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">620.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-31</Dt></Dt></Bal>
"""
    + ntry("BE003", "30.00", "DBIT", "2025-01-20")
    + ntry("BE001", "100.00", "CRDT", "2025-01-03")
    + ntry("BE002", "50.00", "CRDT", "2025-01-10")
    + """    </Stmt>
  </BkToCstmrStmt>
</Document>
""",
)

# 7. An investment (brokerage) OFX statement
w(
    "investment.ofx",
    (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<DTSERVER>20250131120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>"
        "<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<INVSTMTRS><DTASOF>20250131<CURDEF>USD<INVACCTFROM><BROKERID>broker.example.com"
        "<ACCTID>401K-0001</INVACCTFROM>"
        "<INVTRANLIST><DTSTART>20250101<DTEND>20250131"
        "<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250115<TRNAMT>100.00<FITID>I1"
        "<NAME>Contribution</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN>"
        "</INVTRANLIST>"
        "<INVBAL><AVAILCASH>100.00<MARGINBALANCE>0<SHORTBALANCE>0</INVBAL>"
        "</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>\n"
    ),
)

# 8. Hostile or broken inputs
w("empty.sta", b"")
w(
    "fragment.sta",
    """:61:2501030103C10,00NTRFNONREF//FR001
:86:/REMI/the middle of a statement, copied without its header
:62F:C250103CNY1010,00
""",
)
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    entry = zipfile.ZipInfo("march.sta", date_time=(2025, 3, 1, 0, 0, 0))
    archive.writestr(entry, (OUT / "period_end_opening.sta").read_text())
w("statements.zip", buffer.getvalue())
w(
    "entity_bomb.camt053.xml",
    """<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&e;</Id></Stmt></BkToCstmrStmt></Document>
""",
)

# 9. Tables: another bank's export sharing two of BOC's headers; a running balance
# that contradicts the amounts; debit and credit the other way round (GF-like);
# a header that carries two layouts' full signatures.
w(
    "other_bank_shares_two_headers.csv",
    """交易日期,交易金额,对方户名,摘要
2025-03-03,"1,000.00",郑州市财政局,划拨
2025-03-05,-200.00,某企业,代偿
""",
)
w(
    "running_balance_contradicts.csv",
    """账号：,6228480000000000001
交易日期,摘要,收入金额,支出金额,本次余额,对方户名
2025-03-03,划拨,"1,000.00",,"11,000.00",郑州市财政局
2025-03-05,代偿,,200.00,"10,900.00",某企业
2025-03-06,利息,3.00,,"10,803.00",-
""",
)
w(
    "debit_credit_swapped.csv",
    """招商银行账务明细
账号：,755912345610001
币种：,人民币
交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,收(付)方名称,收(付)方帐号,用途
20250103,09:12:01,20250103,转账,"500,000.00",,"1,500,000.00",资金划入,GF250103001,郑州市财政局,41001234,风险补偿资金
20250103,15:40:12,20250103,转账,,"120,000.00","1,380,000.00",代偿支付,GF250103002,中原银行郑州分行,41005678,代偿款
""",
    "gb18030",
)
w(
    "ambiguous_header.csv",
    """交易日期,交易时间,起息日期,起息日,交易类型,交易货币,交易金额,交易后余额,余额,付款人账号,付款人名称,收款人账号,收款人名称,交易流水号,客户业务编号,用途,摘要,借贷标志,对方账号,对方户名,会计流水号
2025-03-03,09:00:00,2025-03-03,2025-03-03,转账,CNY,"1,000.00","11,000.00","11,000.00",1,甲,2,乙,S1,C1,划拨,划拨,贷,1,甲,S1
""",
)
print("written", sorted(p.name for p in OUT.iterdir()))
