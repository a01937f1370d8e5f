"""Real-looking Bắc Kạn agencies, fields and procedure names for the synthetic dataset.

Long because it is data: 200-odd procedure names in their fields, and no code to speak of."""

from __future__ import annotations

# (department, ministry of its fields, {field: [procedure names]})
DEPARTMENTS: list[tuple[str, str, dict[str, list[str]]]] = [
    (
        "Sở Tư pháp",
        "Bộ Tư pháp",
        {
            "Hộ tịch": [
                "Đăng ký khai sinh có yếu tố nước ngoài",
                "Đăng ký kết hôn có yếu tố nước ngoài",
                "Đăng ký khai tử có yếu tố nước ngoài",
                "Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài",
                "Đăng ký giám hộ có yếu tố nước ngoài",
                "Đăng ký lại khai sinh có yếu tố nước ngoài",
                "Đăng ký thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc",
                "Ghi vào Sổ hộ tịch việc kết hôn của công dân Việt Nam đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài",
                "Cấp bản sao trích lục hộ tịch",
                "Đăng ký chấm dứt giám hộ có yếu tố nước ngoài",
            ],
            "Chứng thực": [
                "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của nước ngoài cấp",
                "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật",
                "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
                "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
                "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực",
            ],
            "Lý lịch tư pháp": [
                "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
                "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng",
                "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính trị, tổ chức chính trị - xã hội",
            ],
            "Công chứng": [
                "Đăng ký hành nghề và cấp Thẻ công chứng viên",
                "Cấp lại Thẻ công chứng viên",
                "Thành lập Văn phòng công chứng",
                "Đăng ký hoạt động Văn phòng công chứng",
                "Thay đổi nội dung đăng ký hoạt động của Văn phòng công chứng",
                "Chuyển đổi Văn phòng công chứng do một công chứng viên thành lập",
            ],
            "Trợ giúp pháp lý": [
                "Yêu cầu trợ giúp pháp lý",
                "Đăng ký tham gia trợ giúp pháp lý",
                "Lựa chọn, ký hợp đồng với Luật sư",
                "Thay đổi người thực hiện trợ giúp pháp lý",
            ],
        },
    ),
    (
        "Sở Kế hoạch và Đầu tư",
        "Bộ Kế hoạch và Đầu tư",
        {
            "Thành lập và hoạt động của doanh nghiệp": [
                "Đăng ký thành lập doanh nghiệp tư nhân",
                "Đăng ký thành lập công ty TNHH một thành viên",
                "Đăng ký thành lập công ty TNHH hai thành viên trở lên",
                "Đăng ký thành lập công ty cổ phần",
                "Đăng ký thay đổi địa chỉ trụ sở chính của doanh nghiệp",
                "Đăng ký đổi tên doanh nghiệp",
                "Thông báo thay đổi ngành, nghề kinh doanh",
                "Đăng ký thay đổi vốn điều lệ, phần vốn góp, tỷ lệ phần vốn góp",
                "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo",
                "Giải thể doanh nghiệp",
                "Cấp lại Giấy chứng nhận đăng ký doanh nghiệp",
                "Hiệu đính thông tin đăng ký doanh nghiệp",
            ],
            "Đầu tư tại Việt Nam": [
                "Quyết định chủ trương đầu tư của Ủy ban nhân dân cấp tỉnh",
                "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
                "Điều chỉnh dự án đầu tư trong trường hợp dự án đã được cấp Giấy chứng nhận đăng ký đầu tư",
                "Chuyển nhượng dự án đầu tư",
                "Giãn tiến độ đầu tư",
                "Chấm dứt hoạt động dự án đầu tư",
                "Cung cấp thông tin về dự án đầu tư",
            ],
            "Thành lập và hoạt động của hợp tác xã": [
                "Đăng ký thành lập liên hiệp hợp tác xã",
                "Đăng ký thay đổi tên, địa chỉ trụ sở chính của liên hiệp hợp tác xã",
                "Giải thể tự nguyện liên hiệp hợp tác xã",
            ],
        },
    ),
    (
        "Sở Công Thương",
        "Bộ Công Thương",
        {
            "Lưu thông hàng hóa trong nước": [
                "Cấp Giấy phép kinh doanh bán buôn sản phẩm rượu",
                "Cấp lại Giấy phép kinh doanh bán buôn sản phẩm rượu",
                "Cấp sửa đổi, bổ sung Giấy phép kinh doanh bán buôn sản phẩm rượu",
                "Cấp Giấy phép bán buôn sản phẩm thuốc lá",
                "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
                "Cấp lại Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
                "Cấp Giấy chứng nhận đủ điều kiện thương nhân kinh doanh mua bán LPG",
            ],
            "Điện": [
                "Cấp giấy phép hoạt động phân phối điện đến cấp điện áp 35 kV tại địa phương",
                "Cấp giấy phép hoạt động bán lẻ điện đến cấp điện áp 0,4 kV tại địa phương",
                "Cấp thẻ kiểm tra viên điện lực cho các đối tượng thuộc thẩm quyền cấp của Sở Công Thương",
                "Huấn luyện và cấp mới thẻ an toàn điện",
            ],
            "An toàn thực phẩm": [
                "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất, kinh doanh thực phẩm",
                "Cấp Giấy xác nhận kiến thức về an toàn thực phẩm cho tổ chức và cá nhân",
                "Cấp lại Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            ],
            "Hóa chất": [
                "Cấp Giấy chứng nhận đủ điều kiện sản xuất hóa chất sản xuất, kinh doanh có điều kiện",
                "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hóa chất sản xuất, kinh doanh có điều kiện",
                "Thẩm định Kế hoạch phòng ngừa, ứng phó sự cố hóa chất",
            ],
        },
    ),
    (
        "Sở Y tế",
        "Bộ Y tế",
        {
            "Khám bệnh, chữa bệnh": [
                "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh đối với người Việt Nam",
                "Cấp lại chứng chỉ hành nghề khám bệnh, chữa bệnh đối với người Việt Nam bị mất hoặc hư hỏng",
                "Cấp giấy phép hoạt động đối với phòng khám đa khoa thuộc thẩm quyền của Sở Y tế",
                "Cấp giấy phép hoạt động đối với phòng khám chuyên khoa thuộc thẩm quyền của Sở Y tế",
                "Điều chỉnh giấy phép hoạt động đối với cơ sở khám bệnh, chữa bệnh khi thay đổi quy mô giường bệnh",
            ],
            "Dược phẩm": [
                "Cấp Chứng chỉ hành nghề dược theo hình thức xét hồ sơ",
                "Cấp lại Chứng chỉ hành nghề dược",
                "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược cho cơ sở bán lẻ thuốc",
                "Cho phép hủy thuốc gây nghiện, thuốc hướng tâm thần và thuốc tiền chất",
                "Công bố cơ sở kinh doanh có tổ chức kệ thuốc",
            ],
            "Y tế dự phòng": [
                "Công bố đủ điều kiện thực hiện khám sức khỏe",
                "Cấp giấy chứng nhận bị phơi nhiễm với HIV do tai nạn rủi ro nghề nghiệp",
                "Công bố cơ sở đủ điều kiện tiêm chủng",
            ],
        },
    ),
    (
        "Sở Giáo dục và Đào tạo",
        "Bộ Giáo dục và Đào tạo",
        {
            "Giáo dục và Đào tạo thuộc hệ thống giáo dục quốc dân": [
                "Thành lập trường trung học phổ thông công lập",
                "Cho phép trường trung học phổ thông hoạt động giáo dục",
                "Sáp nhập, chia, tách trường trung học phổ thông",
                "Giải thể trường trung học phổ thông",
                "Cấp giấy phép, gia hạn giấy phép tổ chức hoạt động dạy thêm, học thêm có nội dung thuộc chương trình trung học phổ thông",
                "Chuyển trường đối với học sinh trung học phổ thông",
            ],
            "Thi, tuyển sinh": [
                "Đăng ký dự thi tốt nghiệp trung học phổ thông",
                "Phúc khảo bài thi tốt nghiệp trung học phổ thông",
                "Xét tuyển học sinh vào trường phổ thông dân tộc nội trú",
            ],
            "Văn bằng, chứng chỉ": [
                "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
                "Chỉnh sửa nội dung văn bằng, chứng chỉ",
                "Công nhận văn bằng tốt nghiệp các cấp học phổ thông do cơ sở nước ngoài cấp",
            ],
        },
    ),
    (
        "Sở Lao động - Thương binh và Xã hội",
        "Bộ Lao động - Thương binh và Xã hội",
        {
            "Bảo trợ xã hội": [
                "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng",
                "Tiếp nhận đối tượng bảo trợ xã hội có hoàn cảnh đặc biệt khó khăn vào cơ sở trợ giúp xã hội cấp tỉnh",
                "Đăng ký thành lập cơ sở trợ giúp xã hội ngoài công lập thuộc thẩm quyền của Sở",
                "Cấp giấy phép hoạt động đối với cơ sở trợ giúp xã hội có giấy chứng nhận đăng ký thành lập do Sở cấp",
            ],
            "Người có công": [
                "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
                "Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ và hỗ trợ thăm viếng mộ liệt sĩ",
                "Di chuyển hồ sơ khi người hưởng trợ cấp ưu đãi thay đổi nơi thường trú",
                "Giải quyết chế độ ưu đãi đối với Bà mẹ Việt Nam anh hùng",
            ],
            "Việc làm": [
                "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
                "Cấp lại giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
                "Xác nhận người lao động nước ngoài không thuộc diện cấp giấy phép lao động",
                "Giải quyết hưởng trợ cấp thất nghiệp",
                "Chuyển nơi hưởng trợ cấp thất nghiệp (chuyển đi)",
            ],
        },
    ),
    (
        "Sở Tài nguyên và Môi trường",
        "Bộ Tài nguyên và Môi trường",
        {
            "Đất đai": [
                "Giao đất, cho thuê đất không thông qua hình thức đấu giá quyền sử dụng đất đối với dự án phải trình cơ quan nhà nước có thẩm quyền xét duyệt",
                "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với tổ chức",
                "Thu hồi đất do chấm dứt việc sử dụng đất theo pháp luật, tự nguyện trả lại đất",
                "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất",
                "Gia hạn sử dụng đất ngoài khu công nghệ cao, khu kinh tế",
            ],
            "Môi trường": [
                "Thẩm định, phê duyệt báo cáo đánh giá tác động môi trường",
                "Cấp giấy phép xử lý chất thải nguy hại",
                "Xác nhận hoàn thành công trình bảo vệ môi trường",
                "Chấp thuận tách đấu nối khỏi hệ thống xử lý nước thải tập trung",
            ],
            "Tài nguyên nước": [
                "Cấp giấy phép thăm dò nước dưới đất đối với công trình có lưu lượng dưới 3.000 m3/ngày đêm",
                "Gia hạn, điều chỉnh giấy phép khai thác, sử dụng nước mặt",
                "Cấp giấy phép xả nước thải vào nguồn nước với lưu lượng dưới 30.000 m3/ngày đêm",
            ],
        },
    ),
    (
        "Sở Xây dựng",
        "Bộ Xây dựng",
        {
            "Hoạt động xây dựng": [
                "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng",
                "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở",
                "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
                "Cấp giấy phép sửa chữa, cải tạo đối với công trình",
                "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
                "Cấp chứng chỉ năng lực hoạt động xây dựng hạng II, hạng III",
            ],
            "Nhà ở": [
                "Thuê nhà ở công vụ thuộc thẩm quyền quản lý của Ủy ban nhân dân cấp tỉnh",
                "Thẩm định giá bán, thuê mua, thuê nhà ở xã hội được đầu tư xây dựng theo dự án",
                "Công nhận chủ đầu tư dự án xây dựng nhà ở",
            ],
        },
    ),
    (
        "Sở Giao thông vận tải",
        "Bộ Giao thông vận tải",
        {
            "Đường bộ": [
                "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô",
                "Cấp lại Giấy phép kinh doanh vận tải bằng xe ô tô",
                "Cấp phù hiệu xe taxi, xe hợp đồng, xe vận tải hàng hóa bằng công-ten-nơ",
                "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp",
                "Cấp lại Giấy phép lái xe",
                "Chấp thuận xây dựng công trình thiết yếu trong phạm vi bảo vệ kết cấu hạ tầng giao thông đường bộ",
            ],
            "Đường thủy nội địa": [
                "Đăng ký phương tiện thủy nội địa lần đầu",
                "Xóa Giấy chứng nhận đăng ký phương tiện thủy nội địa",
                "Công bố hoạt động bến thủy nội địa",
            ],
        },
    ),
    (
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Bộ Nông nghiệp và Phát triển nông thôn",
        {
            "Thú y": [
                "Cấp Giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
                "Cấp giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
                "Cấp chứng chỉ hành nghề thú y",
                "Cấp giấy chứng nhận đủ điều kiện vệ sinh thú y",
            ],
            "Trồng trọt và Bảo vệ thực vật": [
                "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
                "Cấp Giấy xác nhận nội dung quảng cáo thuốc bảo vệ thực vật",
                "Công nhận cây đầu dòng, vườn cây đầu dòng",
            ],
            "Lâm nghiệp": [
                "Phê duyệt phương án quản lý rừng bền vững của chủ rừng là tổ chức",
                "Chuyển loại rừng đối với khu rừng do Ủy ban nhân dân cấp tỉnh quyết định thành lập",
                "Cấp giấy phép khai thác, săn bắt động vật rừng thông thường",
            ],
        },
    ),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        "Bộ Văn hóa, Thể thao và Du lịch",
        {
            "Văn hóa cơ sở": [
                "Cấp giấy phép tổ chức lễ hội",
                "Thông báo tổ chức lễ hội cấp tỉnh",
                "Cấp giấy phép kinh doanh dịch vụ karaoke",
                "Cấp giấy phép điều chỉnh giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
            ],
            "Du lịch": [
                "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
                "Cấp thẻ hướng dẫn viên du lịch tại điểm",
                "Công nhận hạng cơ sở lưu trú du lịch: hạng 1 sao, 2 sao, 3 sao",
                "Cấp đổi thẻ hướng dẫn viên du lịch quốc tế",
            ],
            "Thể dục thể thao": [
                "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao đối với môn Bơi, Lặn",
                "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao đối với môn Võ cổ truyền",
                "Đăng cai tổ chức giải thi đấu vô địch từng môn thể thao của tỉnh",
            ],
        },
    ),
    (
        "Sở Nội vụ",
        "Bộ Nội vụ",
        {
            "Thi đua, khen thưởng": [
                "Thủ tục tặng Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh",
                "Thủ tục tặng danh hiệu Chiến sĩ thi đua cấp tỉnh",
                "Thủ tục tặng Cờ thi đua của Ủy ban nhân dân cấp tỉnh",
            ],
            "Tổ chức phi chính phủ": [
                "Thủ tục công nhận ban vận động thành lập hội",
                "Thủ tục thành lập hội",
                "Thủ tục phê duyệt điều lệ hội",
                "Thủ tục hội tự giải thể",
            ],
        },
    ),
    (
        "Sở Thông tin và Truyền thông",
        "Bộ Thông tin và Truyền thông",
        {
            "Báo chí": [
                "Cho phép họp báo (trong nước)",
                "Cấp giấy phép xuất bản bản tin (địa phương)",
                "Văn bản chấp thuận thay đổi nội dung ghi trong giấy phép xuất bản bản tin",
            ],
            "Xuất bản, In và Phát hành": [
                "Cấp giấy phép xuất bản tài liệu không kinh doanh",
                "Cấp giấy phép hoạt động in",
                "Đăng ký hoạt động cơ sở in",
                "Cấp giấy phép nhập khẩu xuất bản phẩm không kinh doanh",
            ],
        },
    ),
]

DISTRICTS = [
    "Thành phố Bắc Kạn",
    "huyện Ba Bể",
    "huyện Bạch Thông",
    "huyện Chợ Đồn",
    "huyện Chợ Mới",
    "huyện Na Rì",
    "huyện Ngân Sơn",
    "huyện Pác Nặm",
]

# Procedures carried out by district (cấp huyện) and commune (cấp xã) People's Committees.
LOCAL_LEVELS: dict[str, tuple[str, str, dict[str, list[str]]]] = {
    "huyện": (
        "UBND cấp huyện",
        "Bộ Tư pháp",
        {
            "Hộ tịch": [
                "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân tại cấp huyện",
                "Đăng ký kết hôn giữa công dân Việt Nam với người nước ngoài tại cấp huyện",
                "Đăng ký khai tử cho người nước ngoài cư trú tại địa bàn cấp huyện",
                "Thay đổi, cải chính, bổ sung thông tin hộ tịch cho người từ đủ 14 tuổi trở lên",
                "Ghi vào Sổ hộ tịch việc ly hôn đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài",
            ],
            "Chứng thực": [
                "Chứng thực bản sao từ bản chính giấy tờ song ngữ tại Phòng Tư pháp",
                "Chứng thực chữ ký trong các giấy tờ, văn bản bằng tiếng nước ngoài",
                "Chứng thực việc sửa lỗi sai sót trong hợp đồng, giao dịch tại Phòng Tư pháp",
            ],
            "Thành lập và hoạt động của hộ kinh doanh": [
                "Đăng ký thành lập hộ kinh doanh",
                "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
                "Tạm ngừng hoạt động hộ kinh doanh",
                "Chấm dứt hoạt động hộ kinh doanh",
                "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
            ],
            "Giáo dục mầm non": [
                "Thành lập trường mầm non công lập thuộc thẩm quyền cấp huyện",
                "Cho phép trường mầm non hoạt động giáo dục",
                "Sáp nhập, chia, tách trường mầm non",
                "Giải thể trường mầm non theo đề nghị của cá nhân, tổ chức thành lập trường",
            ],
            "Đất đai (cấp huyện)": [
                "Hòa giải tranh chấp đất đai thuộc thẩm quyền Ủy ban nhân dân cấp huyện",
                "Thu hồi Giấy chứng nhận đã cấp không đúng quy định đối với hộ gia đình, cá nhân",
                "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với hộ gia đình, cá nhân",
            ],
        },
    ),
    "xã": (
        "UBND cấp xã",
        "Bộ Tư pháp",
        {
            "Hộ tịch (cấp xã)": [
                "Đăng ký khai sinh",
                "Đăng ký kết hôn",
                "Đăng ký khai tử",
                "Đăng ký nhận cha, mẹ, con",
                "Đăng ký giám hộ",
                "Đăng ký chấm dứt giám hộ",
                "Đăng ký lại khai sinh",
                "Đăng ký lại kết hôn",
                "Cấp Giấy xác nhận tình trạng hôn nhân",
                "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
            ],
            "Chứng thực (cấp xã)": [
                "Chứng thực di chúc",
                "Chứng thực văn bản từ chối nhận di sản",
                "Chứng thực hợp đồng, giao dịch liên quan đến nhà ở",
            ],
            "Bảo trợ xã hội (cấp xã)": [
                "Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở, sửa chữa nhà ở",
                "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
                "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
                "Đổi, cấp lại Giấy xác nhận khuyết tật",
            ],
            "Nuôi con nuôi": [
                "Đăng ký việc nuôi con nuôi trong nước",
                "Đăng ký lại việc nuôi con nuôi trong nước",
            ],
        },
    ),
}
