"""Reports that leave the office: the numbered progress report (通报) and reminder letters
(催报函), as XLSX for people who sort and as PDF for people who file, from the same figures the
dashboard shows (album.campaign.progress). PDF drawing is album/render/report_pdf.py."""
