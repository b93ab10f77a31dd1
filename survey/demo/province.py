"""Reference data of the demo province: agencies, service fields, services, points.

Agency names are Đắk Lắk's (shared/reference/sipas.md); procedure codes and counts are
invented for the demo and say so in their names.
"""

from __future__ import annotations

# code: (name_vi, name_en)
SERVICE_FIELDS = {
    "DD": ("Đất đai", "Land"),
    "XD": ("Xây dựng", "Construction"),
    "HT": ("Hộ tịch", "Civil status"),
    "DKKD": ("Đăng ký kinh doanh", "Business registration"),
    "DT": ("Đầu tư", "Investment"),
    "GT": ("Giao thông vận tải", "Transport"),
    "LD": ("Lao động, việc làm", "Labour and employment"),
    "BTXH": ("Bảo trợ xã hội", "Social protection"),
    "YT": ("Y tế", "Health"),
    "GD": ("Giáo dục và đào tạo", "Education and training"),
    "VH": ("Văn hóa, thể thao và du lịch", "Culture, sports and tourism"),
    "TP": ("Tư pháp", "Justice"),
    "CT": ("Công thương", "Industry and trade"),
    "NN": ("Nông nghiệp", "Agriculture"),
    "MT": ("Môi trường", "Environment"),
    "TC": ("Tài chính", "Finance"),
    "NV": ("Nội vụ", "Home affairs"),
    "TTTT": ("Thông tin và truyền thông", "Information and communications"),
    "KHCN": ("Khoa học và công nghệ", "Science and technology"),
    "DTOC": ("Công tác dân tộc", "Ethnic affairs"),
    "NGV": ("Ngoại vụ", "Foreign affairs"),
    "KNTC": ("Khiếu nại, tố cáo", "Complaints and denunciations"),
}

# Two typical procedures per field: (name_vi, name_en).
PROCEDURES = {
    "DD": [
        (
            "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "First registration and land-use right certificate",
        ),
        ("Đăng ký biến động quyền sử dụng đất", "Registration of a change in land-use rights"),
    ],
    "XD": [
        ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a detached house"),
        ("Thẩm định thiết kế xây dựng", "Appraisal of a construction design"),
    ],
    "HT": [
        ("Đăng ký khai sinh", "Birth registration"),
        ("Đăng ký kết hôn", "Marriage registration"),
    ],
    "DKKD": [
        ("Đăng ký thành lập doanh nghiệp", "Registration of a new enterprise"),
        ("Đăng ký hộ kinh doanh", "Registration of a household business"),
    ],
    "DT": [
        ("Chấp thuận chủ trương đầu tư", "Approval of an investment policy"),
        ("Điều chỉnh dự án đầu tư", "Amendment of an investment project"),
    ],
    "GT": [
        ("Đổi giấy phép lái xe", "Renewal of a driving licence"),
        ("Cấp phép vận tải hành khách", "Passenger transport licence"),
    ],
    "LD": [
        ("Cấp giấy phép lao động cho người nước ngoài", "Work permit for a foreign worker"),
        ("Giải quyết trợ cấp thất nghiệp", "Unemployment benefit"),
    ],
    "BTXH": [
        ("Trợ cấp xã hội hằng tháng", "Monthly social allowance"),
        ("Xác nhận người có công", "Recognition of a person with meritorious services"),
    ],
    "YT": [
        ("Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Medical practising certificate"),
        ("Cấp giấy phép hoạt động nhà thuốc", "Pharmacy licence"),
    ],
    "GD": [
        ("Cấp bản sao văn bằng, chứng chỉ", "Copy of a diploma or certificate"),
        ("Cho phép trung tâm ngoại ngữ hoạt động", "Licence for a language centre"),
    ],
    "VH": [
        ("Cấp giấy phép kinh doanh karaoke", "Karaoke business licence"),
        ("Công nhận hạng cơ sở lưu trú du lịch", "Rating of a tourist accommodation"),
    ],
    "TP": [
        ("Cấp Phiếu lý lịch tư pháp", "Judicial record certificate"),
        ("Chứng thực bản sao từ bản chính", "Certified copy of an original"),
    ],
    "CT": [
        ("Cấp giấy phép bán lẻ rượu", "Alcohol retail licence"),
        ("Cấp giấy chứng nhận đủ điều kiện kinh doanh xăng dầu", "Fuel retail certificate"),
    ],
    "NN": [
        ("Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "Food safety certificate"),
        ("Cấp phép khai thác thủy sản", "Fishing licence"),
    ],
    "MT": [
        ("Cấp giấy phép môi trường", "Environmental permit"),
        ("Cấp giấy phép khai thác nước dưới đất", "Groundwater extraction permit"),
    ],
    "TC": [
        ("Đăng ký mã số đơn vị có quan hệ với ngân sách", "Budget relation code"),
        ("Thẩm tra quyết toán dự án hoàn thành", "Audit of a completed project's accounts"),
    ],
    "NV": [
        ("Thành lập hội", "Establishment of an association"),
        (
            "Công nhận ban vận động thành lập hội",
            "Recognition of an association's founding committee",
        ),
    ],
    "TTTT": [
        ("Cấp giấy phép xuất bản bản tin", "Newsletter publishing licence"),
        ("Cấp giấy phép hoạt động in", "Printing licence"),
    ],
    "KHCN": [
        ("Đăng ký kết quả nhiệm vụ khoa học và công nghệ", "Registration of research results"),
        ("Cấp giấy phép tiến hành công việc bức xạ", "Radiation work licence"),
    ],
    "DTOC": [
        (
            "Công nhận người có uy tín trong đồng bào dân tộc thiểu số",
            "Recognition of a respected ethnic-minority elder",
        ),
        (
            "Hỗ trợ đất sản xuất cho hộ dân tộc thiểu số",
            "Farmland support for ethnic-minority households",
        ),
    ],
    "NGV": [
        ("Cho phép tổ chức hội nghị quốc tế", "Permission for an international conference"),
        ("Xác nhận hồ sơ đi nước ngoài", "Certification of an official travel dossier"),
    ],
    "KNTC": [
        ("Giải quyết khiếu nại lần đầu", "First-instance complaint"),
        ("Tiếp nhận, xử lý đơn tố cáo", "Handling of a denunciation"),
    ],
}

# code: (name_vi, name_en, fields)
DEPARTMENTS = {
    "SNV": ("Sở Nội vụ", "Department of Home Affairs", ["NV"]),
    "STP": ("Sở Tư pháp", "Department of Justice", ["TP", "HT"]),
    "SKHDT": ("Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", ["DKKD", "DT"]),
    "STC": ("Sở Tài chính", "Department of Finance", ["TC"]),
    "SCT": ("Sở Công Thương", "Department of Industry and Trade", ["CT"]),
    "SNNPTNT": (
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Department of Agriculture and Rural Development",
        ["NN"],
    ),
    "SGTVT": ("Sở Giao thông vận tải", "Department of Transport", ["GT"]),
    "SXD": ("Sở Xây dựng", "Department of Construction", ["XD"]),
    "STNMT": (
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment",
        ["DD", "MT"],
    ),
    "STTTT": (
        "Sở Thông tin và Truyền thông",
        "Department of Information and Communications",
        ["TTTT"],
    ),
    "SLDTBXH": (
        "Sở Lao động - Thương binh và Xã hội",
        "Department of Labour, Invalids and Social Affairs",
        ["LD", "BTXH"],
    ),
    "SVHTTDL": (
        "Sở Văn hóa, Thể thao và Du lịch",
        "Department of Culture, Sports and Tourism",
        ["VH"],
    ),
    "SKHCN": ("Sở Khoa học và Công nghệ", "Department of Science and Technology", ["KHCN"]),
    "SGDDT": ("Sở Giáo dục và Đào tạo", "Department of Education and Training", ["GD"]),
    "SYT": ("Sở Y tế", "Department of Health", ["YT"]),
    "SNGV": ("Sở Ngoại vụ", "Department of Foreign Affairs", ["NGV"]),
    "BDT": ("Ban Dân tộc", "Ethnic Minorities Committee", ["DTOC"]),
    "BQLKCN": ("Ban Quản lý các khu công nghiệp", "Industrial Zones Authority", ["DT", "XD"]),
    "TTR": ("Thanh tra tỉnh", "Provincial Inspectorate", ["KNTC"]),
}

DISTRICT_FIELDS = ["DD", "XD", "HT", "DKKD", "LD", "BTXH"]

# code: (kind of unit in Vietnamese, in English, proper name)
DISTRICTS = {
    "BMT": ("thành phố", "city", "Buôn Ma Thuột"),
    "BUONHO": ("thị xã", "town", "Buôn Hồ"),
    "EAHLEO": ("huyện", "district", "Ea H'leo"),
    "EASUP": ("huyện", "district", "Ea Súp"),
    "BUONDON": ("huyện", "district", "Buôn Đôn"),
    "CUMGAR": ("huyện", "district", "Cư M'gar"),
    "KRONGBUK": ("huyện", "district", "Krông Búk"),
    "KRONGNANG": ("huyện", "district", "Krông Năng"),
    "EAKAR": ("huyện", "district", "Ea Kar"),
    "MDRAK": ("huyện", "district", "M'Đrắk"),
    "KRONGBONG": ("huyện", "district", "Krông Bông"),
    "KRONGPAK": ("huyện", "district", "Krông Pắk"),
    "KRONGANA": ("huyện", "district", "Krông A Na"),
    "LAK": ("huyện", "district", "Lắk"),
    "CUKUIN": ("huyện", "district", "Cư Kuin"),
}

# Service points: departments receive dossiers at the provincial public administration
# service centre and at their own office; districts at counters of their one-stop shop.
DEPARTMENT_POINTS = [
    ("Quầy tại Trung tâm Phục vụ hành chính công tỉnh", "Counter at the provincial service centre"),
    ("Bộ phận một cửa tại trụ sở", "One-stop shop at the department's office"),
]
DISTRICT_POINTS = [
    ("Bộ phận một cửa - quầy đất đai, xây dựng", "One-stop shop - land and construction counter"),
    ("Bộ phận một cửa - quầy hộ tịch, tư pháp", "One-stop shop - civil status counter"),
    ("Bộ phận một cửa - quầy tổng hợp", "One-stop shop - general counter"),
]
