// Simplified Chinese first; English when the user switches (kept in localStorage). A key is the Chinese
// text itself, never a label for it; test/i18n.test.js fails on any key without an English entry.
export const EN = {
  网格巡查: 'Grid patrol', 账号: 'Username', 密码: 'Password', 登录: 'Log in', 退出登录: 'Log out',
  拍照上报: 'Report', 待发送: 'Outbox', 我的工单: 'My tickets', 地图: 'Map', 我的: 'Me',
  拍照: 'Take photo', 最多9张: 'up to 9 photos', 删除照片: 'Remove photo', 问题类别: 'Problem category',
  搜索类别: 'Search (name or pinyin initials)', 点位类型: 'Point type', 不选: '(none)', 备注: 'Note',
  保存待发送: 'Save to outbox', 位置: 'Location', 定位中: 'Locating…', 网格: 'Grid cell',
  不在网格内: 'outside every grid cell', 手动选择网格: 'Choose the cell by hand', 按定位: 'from GPS',
  定位精度差: 'Poor GPS accuracy: choose the cell by hand', 无法定位: 'No GPS fix',
  已保存待发送: 'Saved to the outbox', '离线：工单和巡查保存在本机，联网后自动发送': 'Offline: tickets and patrols stay on this phone and are sent when the network returns',
  立即发送: 'Send now', 重试: 'Retry', 放弃: 'Discard', 导出未发送: 'Export unsent (ZIP)',
  没有待发送: 'Nothing waiting to be sent', 已发送: 'sent', 排队中: 'queued', 发送中: 'sending',
  冲突: 'conflict', 被拒绝: 'refused', 次尝试: 'attempts', 照片: 'photos', 有新版本: 'A new version is ready',
  更新: 'Update', 存储空间: 'Storage', 已持久化: 'persistent', 未持久化: 'may be cleared by the browser',
  语言: 'Language', 待核查: 'To verify', 核查通过: 'Pass', 核查不通过: 'Fail', 核查说明: 'Verification note',
  暂无工单: 'No tickets yet', 返回: 'Back', 处理记录: 'History', 整改照片: 'After photos', 问题照片: 'Before photos',
  承办单位: 'Bureau', 期限: 'Deadline', 分派依据: 'Routing', 状态: 'Status', '还有 {n} 项未发送。退出登录会从本机删除它们，确定吗？': '{n} items are not sent yet. Log out and DELETE them from this phone?',
  刷新: 'Refresh', '登录已失效或已被注销，未发送的工单仍保留在本机': 'Your login has expired or was revoked; unsent tickets are kept.', 重新登录: 'Log in again',
  待办: 'Queue', 调度台: 'Desk', 派遣试算: 'Dry run', 工单: 'Tickets', 核查: 'Verify', 抽查: 'Spot checks',
  暗访: 'Covert check', 总览: 'Overview', 签收: 'Accept', 退回: 'Return', 改派: 'Reassign', 督办: 'Escalate',
  挂起: 'Park', 恢复: 'Unpark', 撤销: 'Cancel', 申请延期: 'Request extension', 提交整改: 'Submit rectification',
  整改说明: 'What was done', 拍整改照片: 'Take after-photo', 拍现场照片: 'Take on-site photo', 退回原因: 'Reason for return',
  补充说明: 'Details', 请选择: 'Choose…', 其他: 'Other', 延长工作小时: 'Extra working hours', 延期原因: 'Why',
  延期申请: 'Extension request', 审批意见: 'Decision note', 同意延期: 'Approve', 不同意延期: 'Deny', 改派给: 'Reassign to',
  改派原因: 'Why', 在办: 'open', 超期: 'overdue', 反复: 'recurring', 返工: 'rework', 批量签收: 'Accept selected',
  请先勾选要签收的工单: 'Tick the tickets to accept first', 全部: 'All', 选择一张工单: 'Choose a ticket', 放大: 'Enlarge',
  正在比对相似照片: 'Comparing with other photos…', '（无预览）': ' (no preview)', '（离线）': ' (offline)', 关闭: 'Close', 上报人: 'Reported by', 系统: 'system', 现场照片: 'On-site photos', 两次拍摄相距: 'Photos taken apart by',
  相隔: 'time between', 未知: 'unknown', 抽取样本: 'Draw a sample', 结案日期从: 'Closed from', 至: 'to',
  '抽查比例（%）': 'Rate (%)', 每单位至少: 'At least per bureau', 随机种子: 'Seed', 留空则随机: 'random if empty', 抽取: 'Draw',
  抽中: 'Drawn', '待抽查（由近及远）': 'Open checks, nearest first', 导航: 'Navigate', 高德地图: 'AMap', 结案: 'closed',
  现场抽查: 'On-site check', 抽查说明: 'Note', 合格: 'Pass', 不合格: 'Fail', 请先拍现场照片: 'Take an on-site photo first',
  请写明不合格的原因: 'Say why it fails', 暂无抽查任务: 'No open spot checks', 选择一项抽查: 'Choose a spot check',
  截至: 'As of', 今日上报: 'Reported today', 本周结案率: 'Closure rate this week', 本周按期结案率: 'On-time rate this week',
  各单位: 'By bureau', 单位: 'Bureau', 在地图上点选位置: 'Tap a point on the map', 规则: 'Rule', 筛选: 'Filter',
  按状态筛选: 'Filter by state', 请先拍整改照片: 'Take an after-photo first', 说明: 'Note', 原因: 'Reason',
  加载更多: 'More', '仅显示前100件，请用筛选缩小范围': 'Showing the first 100: filter to narrow it down',
  申请挂账: 'Ask to park', 挂账原因: 'Why it cannot be fixed in time', 挂账申请: 'Park request', 同意挂账: 'Approve parking',
  不同意挂账: 'Deny parking', 审批挂账: 'Park decision', 本周到期: 'Due this week',
  '本周暗访与群众反映（计网格漏报）': 'Found by supervision or reported by citizens this week (missed by the cell)',
  漏报: 'Missed by the grid', 群众反映: "Citizens' reports", 网格员: 'Inspectors', 件数: 'Count',
  核查照片: 'Verification photos', 拍核查照片: 'Take a verification photo',
  不通过须写明原因并拍照: 'A failure needs a reason and a photo', 剩余: 'left', 工作小时: 'working hours', 正常: 'on track', 临期: 'due soon', '本机还有 {name} 未发送的工单，发送后才能换人登录': 'This phone still holds unsent tickets of {name}: send them before another person logs in.', 定位已过期: 'Locating again…', 上次更新: 'Updated', 离线数据: 'offline copy',
  // Patrols of key points (今日巡查) and key points at capture.
  今日巡查: 'Patrol', 巡查: 'Patrol', 点位: 'Key point', 找不到该点位: 'This key point is not on the phone',
  监控: 'CCTV', 申报: 'declared', 每周: 'weekly', 已巡查: 'patrolled', 未巡查: 'not yet',
  今天没有要巡查的点位: 'No key points to patrol today', 按距离排序: 'nearest first', 不适用: 'N/A',
  该类型点位暂无检查表: 'There is no checklist for this type of point yet', 不在现场的原因: 'Why you are not on site',
  超出: 'beyond', 距点位: 'Distance to the point', 拍问题照片: 'Photo of the problem', '问题说明（选填）': 'Note (optional)',
  其余全部合格: 'All the rest pass', 拍现场全景照片: 'Take an overview photo', 现场全景照片: 'Overview photo',
  有不合格项时可不拍: 'optional when an item failed', 没有不合格项时必拍: 'required when nothing failed',
  保存巡查: 'Save patrol', 项未检查: 'items not checked', 不合格项的照片: 'a photo of each failed item', 还需: 'Missing',
  重新定位: 'Locate again', 检查表: 'Checklist', 项: 'items', 个问题: 'problems', 附近点位: 'Key point nearby', 关联: 'Link',
  已关联点位: 'Linked to key point', 取消关联: 'Unlink', 定位精度较差: 'poor GPS accuracy',
  // Key points at the desk: readiness board (明察倒计时), coverage, key-point admin.
  明察倒计时: 'CCTV board', 红: 'Red', 黄: 'Yellow', 绿: 'Green', 超期或漏巡: 'overdue problem or missed patrol',
  待整改或今日未巡: 'open problem or not patrolled today', 有问题超期未整改: 'a problem is past its deadline',
  昨日漏巡: 'yesterday\'s patrol was missed', 有问题正在整改: 'a problem is being fixed', 今日尚未巡查: 'not patrolled yet today',
  已巡: 'Patrolled', 漏巡: 'Missed', 今日未巡: 'Not yet today', 无需巡查: 'Nothing due', 发现问题: 'Problems found',
  有超期问题: 'Overdue problem', 监控点位和申报点位近30天巡查情况: 'CCTV points and declared sites, last 30 days',
  仅监控点位: 'CCTV points only', 巡查覆盖: 'Patrol coverage', 点位地图: 'Map of key points', 暂无点位: 'No key points',
  返回列表: 'Back to the list', 近30天巡查: 'Patrols in the last 30 days', 天: 'days', 近30天: 'Last 30 days',
  编辑点位: 'Edit key point', 今天: 'Today', 本周: 'This week', 近7天: 'Last 7 days', 本月: 'This month',
  按点位: 'By point', 按网格: 'By cell', 按网格员: 'By inspector', 按责任单位: 'By responsible unit',
  责任单位: 'Responsible unit', 应巡: 'Due', 待巡: 'Pending', 从: 'From', 查询: 'Show', 统计时段: 'Period',
  分组: 'Group by', 巡查率: 'Rate', 该时段没有应巡点位: 'Nothing was due in this period',
  点名称查看漏巡明细: 'Tap a name to see what was missed', 县直部门: 'County departments', '街道/乡镇': 'Streets and towns',
  国有企业: 'State enterprises', 办公室: 'Offices', 每日巡查: 'daily patrol', 每周巡查: 'weekly patrol',
  点位管理: 'Key points', 共: 'Showing', 停用: 'inactive', 新建点位: 'New key point', 点位不存在: 'This key point does not exist',
  '选择一个点位，或新建点位': 'Choose a key point, or create one', 输入点位名称: 'part of the name',
  搜索名称: 'Search by name', 有监控: 'With CCTV', 无监控: 'Without CCTV', 申报点位: 'Declared site', 是: 'Yes', 否: 'No',
  启用: 'Active', '（按网格责任单位）': "(the cell's responsible unit)", '有监控（明察点位）': 'Has a CCTV camera',
  '如：路口东北角，朝西': 'e.g. north-east corner of the crossing, facing west', 摄像头编号: 'Camera number',
  监控画面: 'What the camera sees', '申报点位（必查）': 'Declared site (always inspected)', 点位名称: 'Name',
  纬度: 'Latitude', 经度: 'Longitude', 巡查频次: 'Patrol frequency', 启用日期: 'Active from', 停用日期: 'Active until',
  保存: 'Save', 已保存: 'Saved', 'WGS-84（GPS、天地图）': 'WGS-84 (GPS, Tianditu)', 'GCJ-02（高德、腾讯地图）': 'GCJ-02 (AMap, Tencent)',
  '每行一个点位，按名称新建或更新；有一行出错则整批不导入。列：name, point_type, lat, lon（GeoJSON 为点几何），可选 bureau_code, has_cctv, camera_no, camera_view, declared, patrol_frequency, active_from, active_to。':
    'One key point a row, created or updated by name; one bad row and nothing is imported. Columns: name, point_type, lat, lon (GeoJSON: a Point geometry), optional bureau_code, has_cctv, camera_no, camera_view, declared, patrol_frequency, active_from, active_to.',
  '文件（.csv、.xlsx、.geojson）': 'File (.csv, .xlsx, .geojson)', 坐标系: 'Coordinate system', 导入: 'Import',
  '请选择 .csv、.xlsx 或 .geojson 文件': 'Choose a .csv, .xlsx or .geojson file', '导入中…': 'Importing…',
  导入完成: 'Imported', 新建: 'created', 已更新: 'updated', 批量导入: 'Import from a file',
  '导入失败，未保存任何点位': 'Import refused, nothing was saved', 行有错误: 'rows have errors', 行: 'Row', 错误: 'Errors',
  版本: 'Version', 更新于: 'updated', 不合格时上报: 'A failure reports', 该类型尚无检查表: 'No checklist for this type yet',
  选择: 'Select', 类型: 'Type', 选择点位类型: 'Point type', '位置（WGS-84）': 'Location (WGS-84)',
  '：': ': ', '、': ', ', '；': '; ',
  // Deadlines in words (deadline.js).
  昨天: 'Yesterday', 明天: 'Tomorrow', '，': ', ', '期限 {when}': 'due {when}', '{when} 到期': 'due {when}',
  '已超期 {n} 天': '{n} days overdue', '已超期 {n} 工作小时': '{n} working hours overdue', 已超期: 'overdue',
  '剩余 {n} 工作小时': '{n} working hours left', 即将到期: 'due now', '{when} 起计时': 'the clock restarts {when}',
  下班时间: 'After hours', 午休时间: 'Lunch break', 休息日: 'Day off',
  // The notifications bell (bell.js), with the titles the server writes (api/notifications/service.py).
  通知: 'Notifications', 条未读: 'unread', 未读: 'unread', 全部已读: 'Mark all read', 暂无通知: 'No notifications',
  开启系统通知: 'Turn on phone notifications', 系统通知已开启: 'Phone notifications are on',
  系统通知已被浏览器阻止: 'Phone notifications are blocked in the browser settings', 点按打开工单: 'Tap to open the ticket',
  新工单待签收: 'New ticket to accept', '整改未通过，请返工': 'Rectification failed: rework needed', 工单被督办: 'Ticket escalated',
  工单超期已自动督办: 'Overdue: escalated automatically', 工单已超期: 'Ticket overdue', 延期申请已处理: 'Extension request decided',
  '工单被退回，请改派': 'Ticket returned: reassign it', 有未能自动派遣的工单: 'A ticket could not be routed automatically',
  有新的延期申请: 'New extension request', 有新的挂账申请: 'New park request', 挂账申请已处理: 'Park request decided',
  '问题已整改，请核查': 'Rectified: please verify',
  // The bureau's queue in sections (views/queue.js).
  待签收: 'New, to accept', 需返工: 'Rework', 待整改: 'Accepted, to rectify', '等待核查（无需操作）': 'Waiting for verification (nothing to do)',
  暂无待办: 'Nothing to act on now', 新: 'new', 新到: 'New', 上次查看: 'since you last looked',
  // The ticket's place, history and verification over flags (views/ticket.js, history.js); the map tab.
  地图无法显示: 'The map cannot be shown', 上报: 'Reported', 派遣: 'Dispatched', 转人工分派: 'Sent for manual dispatch',
  超期自动督办: 'Escalated automatically (overdue)', 抽查合格: 'Spot check passed',
  抽查不合格: 'Spot check failed', 处理: 'Updated', 延至: 'until', 重复上报: 'duplicate report',
  已确认照片疑点: 'photo doubts acknowledged', '照片已上传 {n} 张': '{n} photo(s) uploaded',
  '整改照片有疑点，通过核查须在核查说明中写明为何不影响': 'The evidence has doubts: to pass it, say in the note why they do not matter',
  请在核查说明中写明为何这些疑点不影响通过: 'Say in the verification note why these doubts do not matter',
  无期限: 'no deadline', 查看工单: 'Open the ticket', 仅显示期限最近的2000件: 'Showing the 2,000 with the nearest deadlines',
  '反复问题（近30天）': 'Recurring problems (30 days)', '{n} 次（反复 {m}）': '{n} times ({m} recurring)',
  // Errors of our own (api.js, outbox.js, photo.js, data.js, geo.js): their message is the key.
  网络不可用: 'Network unavailable', '网络中断，未收到完整的回复': 'The network dropped before the whole reply arrived',
  服务器返回了非预期的内容: 'The server sent an unexpected reply', 图片加载失败: 'The picture could not be loaded',
  离线且无缓存数据: 'Offline, and nothing saved on this phone yet',
  '离线且无缓存数据，请联网后重新登录': 'Offline, and nothing saved on this phone yet: log in again when online',
  '手机存储空间不足：还需 {needed}，仅剩 {free}。请先联网发送或导出未发送的工单。':
    'Not enough storage on this phone: {needed} needed, {free} free. Send (online) or export the unsent tickets first.',
  '无法读取该照片（{type}）': 'Cannot read this photo ({type})', '正在处理 {n} 张照片…': 'Processing {n} photo(s)…',
  未获准使用定位: 'Location access was not allowed', 无法获取位置: 'No position available', 定位超时: 'Locating timed out',
  // The desk, the dry-run, the bureau picker and a list's filters.
  待分派: 'To dispatch', 被退回: 'Returned', 请在地图上点选位置: 'Now tap a point on the map',
  牵头单位: 'Lead units', 网格责任单位: 'Grid units (responsible for a cell)', 加载中: 'Loading…',
  '搜索单位（名称或代码）': 'Search units (name or code)', 没有匹配的单位: 'No unit matches',
  非: 'not ', '{when} 以来': 'since {when}', 我上报的: 'Reported by me', 全部工单: 'All tickets',
  // Return reasons (the chosen one is sent as the reason) and a decision's default note.
  不属于本单位职责: 'Not this unit\'s responsibility', 位置不在本单位辖区: 'Outside this unit\'s area',
  问题已由其他单位处理: 'Already handled by another unit', 照片无法判断问题: 'The photo does not show the problem',
  同意: 'Approved', 不同意: 'Denied',
  // Periods, rankings and trends (views/overview.js, periodpicker.js, ranking.js, trend.js), the drill-down chips.
  本季: 'This quarter', 上月: 'Last month', 自定义: 'Dates', 本期指标: 'Figures of the period', 上报数: 'Reports',
  应结案数: 'Due', 超期未结数: 'Overdue, still open', 结案率: 'Closure rate', 按期结案率: 'On-time rate', 返工率: 'Rework rate',
  单位排名: 'Ranking of units', 各单位指标: 'Figures by unit', 名次: 'Place', 得分: 'Score', 等级: 'Grade', 升降: 'Change',
  应结案: 'Due', 超期未结: 'Overdue', 红榜: 'red list', 黑榜: 'black list', '不参与排名 {n} 个单位': 'Not ranked: {n} units',
  本期没有单位达到排名所需的应结案数: 'No unit had enough tickets due to be ranked',
  名次不变: 'same place', 无上期名次: 'not ranked last time', 本期无应结案工单: 'Nothing due in the period', '上升 {n} 位': 'up {n}', '下降 {n} 位': 'down {n}',
  '红榜前 {red} 名、黑榜后 {black} 名；应结案少于 {min} 件的单位不参与排名':
    'Red list: the top {red}; black list: the bottom {black}; units with fewer than {min} tickets due are not ranked',
  '排名按周、月、季计算；自定义时段只列各单位指标': 'Rankings are by week, month or quarter; for dates, the units\' figures only',
  当前在办: 'Open right now', 趋势: 'Trends', 按周: 'By week', 按月: 'By month', 时间粒度: 'Step', 全县: 'Whole county',
  比率: 'Rates', 件数趋势图: 'Chart of counts', 比率趋势图: 'Chart of rates', 时段: 'Period',
  '数据表（点数字查看工单）': 'Table (tap a number for its tickets)', '加载中…': 'Loading…', '{n}月': 'M{n}',
  上报时间: 'Reported', 有返工: 'Reworked', 无返工: 'Never reworked',
  // 周调度 (views/dispatch.js).
  周调度: 'Weekly', 上一周: 'Week before', 下一周: 'Week after', 周次: 'Week', 新派: 'New', 退回待改派: 'Returned',
  反复点位: 'Hotspots', '{n} 件（反复 {m}）': '{n} ({m} recurring)', 超期未结工单: 'Overdue tickets',
  本周督办工单: 'Escalated this week', '仅列出前 {n} 件': 'The first {n} only', 未分派: 'No unit',
  本周各单位没有需要调度的事项: 'Nothing for any unit this week',
  // 通报 (views/bulletins.js).
  通报: 'Bulletins', 周通报: 'Weekly bulletin', 月通报: 'Monthly bulletin', 季通报: 'Quarterly bulletin', 期别: 'Period',
  生成通报: 'Generate', 已生成的通报: 'Bulletins so far', 暂无通报: 'No bulletins yet', 生成中: 'generating',
  已生成: 'ready', 生成失败: 'failed', 生成进度: 'Progress', 已发布: 'Published', 查看网页版: 'Open the page',
  下载PDF: 'Download PDF', 发布: 'Publish', '确认发布（发布后不可更改）': 'Publish for good (it cannot change afterwards)',
  '第 {n} 版': 'version {n}', 通报文件无法打开: 'The bulletin file cannot be opened',
  // 台账 (views/ledger.js).
  台账: 'Ledger', '导出 XLSX 台账': 'Export XLSX ledger', '导出 PDF 对比台账': 'Export PDF before/after ledger',
  '导出 CSV': 'Export CSV', 日常巡查: 'Routine patrol', 督察暗访: 'Supervision (unannounced)', 已完成: 'done',
  导出失败: 'export failed', '时段（月）': 'Period (month)', 来源: 'Source', '状态（不选为全部）': 'Status (none ticked: all)',
  '共 {n} 件': '{n} tickets', '仅预览前 {n} 件': 'Previewing the first {n} only', 最近的导出: 'Recent exports',
  未派遣: 'Not dispatched', 导出进度: 'Export progress', 下载: 'Download', 导出文件无法下载: 'The export file cannot be downloaded',
  // 系统管理 (views/admin*.js): accounts, units, the working calendar, the audit trail.
  系统管理: 'Admin', 账号管理: 'Accounts', 单位管理: 'Units', 工作日历: 'Calendar', 操作记录: 'Audit trail',
  责任单位联络员: 'Unit liaison', 创建办: 'Dispatcher', 督察组: 'Supervisor', 台账组: 'Ledger clerk', 领导小组: 'Leader',
  系统管理员: 'Administrator', 已停用: 'deactivated', 没有匹配的账号: 'No account matches', '用户名、姓名或电话': 'username, name or phone',
  新建账号: 'New account', 搜索: 'Search', 角色: 'Role', 账号不存在: 'This account does not exist',
  '选择一个账号，或新建账号': 'Choose an account, or create one', 所属单位: 'Unit', 负责网格: 'Cells',
  '按住 Ctrl 或 Shift 可多选': 'Hold Ctrl or Shift to pick several', 用户名: 'Username',
  '字母、数字和 _ . -，登录时使用': 'Letters, digits and _ . -; used to log in', 姓名: 'Name', 电话: 'Phone',
  初始密码: 'Initial password', '请记下并交给本人；保存后不再显示': 'Note it and hand it over; it is not shown again',
  '启用（停用后立即退出所有设备）': 'Active (deactivating signs out every device at once)',
  '重置后旧密码失效，该账号的所有设备需重新登录。确定重置吗？': 'The old password stops working and every device must log in again. Reset it?',
  '新密码（仅显示这一次，请记下交给本人）': 'New password (shown this once: note it and hand it over)', 重置密码: 'Reset password',
  '已注销 {n} 个登录设备': '{n} devices signed out', '注销所有设备（手机丢失）': 'Sign out every device (lost phone)',
  账号安全: 'Security', 模板下载失败: 'The template could not be downloaded', '下载模板（XLSX）': 'Template (XLSX)',
  '下载模板（CSV）': 'Template (CSV)',
  '每行一个账号；有一行出错则整批不导入。列：username, name, role, bureau, cells, phone。角色可写中文；单位写编码或名称；网格编码用逗号分隔。':
    'One account a row; one bad row and nothing is imported. Columns: username, name, role, bureau, cells, phone. Roles may be in Chinese; a unit by code or name; cell codes separated by commas.',
  '文件（.xlsx、.csv）': 'File (.xlsx, .csv)', '请选择 .xlsx 或 .csv 文件': 'Choose a .xlsx or .csv file',
  批量导入账号: 'Import accounts from a file', '下载初始密码（CSV）': 'Download the initial passwords (CSV)',
  '已导入 {n} 个账号': '{n} accounts imported',
  '初始密码只在这里提供一次：请现在下载并妥善分发，离开本页后无法再取回。': 'The initial passwords are given here once: download them now and hand them out safely; they cannot be fetched again.',
  '导入失败，未创建任何账号': 'Import refused, no account was created', 用户账号: 'Accounts', 修改: 'changed',
  设置密码: 'password set', 注销设备: 'devices signed out', 删除: 'Delete', 注销的设备: 'Devices signed out', 名称: 'Name',
  英文名称: 'English name', 群机器人地址: 'Group robot URL', 联系电话: 'Contact phone', 上班: 'working day',
  暂无操作记录: 'Nothing recorded yet', 新建单位: 'New unit', 单位不存在: 'This unit does not exist',
  '选择一个单位，或新建单位': 'Choose a unit, or create one', 单位编码: 'Unit code',
  '小写字母、数字、_ 和 -，创建后不能修改': 'Lower-case letters, digits, _ and -; cannot change later', 单位名称: 'Unit name',
  '群机器人地址（企业微信或钉钉）': 'Group robot webhook URL (WeCom or DingTalk)',
  '工单交办、超期等通知发到该群': 'Dispatches, overdue tickets and other notices go to that group', 联络员: 'Liaisons',
  '发送中…': 'Sending…', 机器人已收到测试消息: 'The robot took the test message', 发送失败: 'Sending failed',
  机器人的回复: "The robot's answer", 发送测试消息: 'Send a test message', 通知测试: 'Notification test',
  先填写并保存群机器人地址: 'Enter and save the robot URL first',
  一: 'Mon', 二: 'Tue', 三: 'Wed', 四: 'Thu', 五: 'Fri', 六: 'Sat', 日: 'Sun', 年份: 'Year',
  '这里只列本县录入的调整；国家法定节假日由系统内置日历计算（尚未收录的年份按周一至周五上班）。':
    "Only the county's own entries are listed here; national holidays come from the built-in calendar (a year it does not know yet counts Monday to Friday as working days).",
  放假: 'Holiday', 调休上班: 'Make-up working day', 周末: 'Weekend', '{m} 月': 'Month {m}', '如：春节': 'e.g. Spring Festival',
  '至（可不填）': 'To (optional)', 录入: 'Enter', 请填写同一年内的起止日期: 'Enter the dates, within one year',
  录入节假日安排: 'Enter the holiday schedule', 该年尚无调整: 'No entries for this year', 日期: 'Date',
  格式不正确: 'Not valid', 不存在: 'Not found', '四位数字，创建后不能修改': 'Four digits; cannot change later',
  '如“人行道乱停车”写 rxdltc，网格员可按首字母搜索': 'e.g. rxdltc for 人行道乱停车: inspectors search by initials',
  '小写字母、数字和 _，创建后不能修改': 'Lower-case letters, digits and _; cannot change later', 工作日: 'working days',
  新建点位类型: 'New point type', 新建类别: 'New category', 类别编码: 'Category code', 类型编码: 'Type code',
  '选择一个类别或点位类型，或新建': 'Choose a category or a point type, or create one', '{n} 个网格': '{n} cells', 区域: 'Areas', 县级配置: 'County settings', 处置时限: 'Deadline', 大类: 'Family',
  拼音首字母: 'Pinyin initials', 时限单位: 'Deadline unit', 星期: 'Weekdays', 派往: 'Sent to', 派遣规则: 'Routing rules',
  结束时间: 'Until', 网格数: 'Cells', 起始时间: 'From', 顺序: 'Position', 默认单位: 'Default unit', '{year} 年的节假日安排尚未录入，目前按周一至周五上班计算期限。':
    'The {year} holiday schedule is not entered yet: deadlines count Monday to Friday as working days.',
  // The tab bar (tabs.js): the tabs a phone has no room for.
  更多: 'More',
  // 系统管理 · 派遣规则 (views/admin-rules.js), the category order (views/admin-catalog.js), the dry-run's deadline.
  '选择一条规则，或新建': 'Choose a rule, or create one', 全部类别: 'all categories', 保存顺序: 'Save the order',
  撤销调整: 'Undo the moves', '顺序已调整，尚未保存。': 'The order has changed and is not saved yet.',
  '上移：{name}': 'Move up: {name}', '下移：{name}': 'Move down: {name}', '“{name}”移到第 {n} 条': '“{name}” is now rule {n}',
  '“{name}”移到第 {n} 位': '“{name}” is now number {n}', 顺序已保存: 'Order saved',
  '按顺序匹配，第一条匹配的规则生效；都不匹配时交类别默认单位，再交网格责任单位，最后转创建办人工派遣。':
    "Rules are tried in order and the first that matches decides; when none does, the category's default unit takes it, then the cell's responsibility unit, and last the dispatcher by hand.",
  新建规则: 'New rule', 尚无派遣规则: 'No routing rules yet', '正在试算…': 'Working it out…',
  '最近 {n} 件工单中有 {k} 件将改派：': '{k} of the latest {n} tickets would go elsewhere:',
  '最近 {n} 件工单的派遣都不会改变。': 'None of the latest {n} tickets would go elsewhere.',
  '第 {n} 条规则“{name}”': 'rule {n} “{name}”', 类别默认单位: "the category's default unit",
  '无单位可派，转人工分派': 'no unit: left to the dispatcher', 将触发: 'Would fire',
  '问题类别（不选为全部）': 'Problem categories (none ticked: all)', '点位类型（不选为全部）': 'Point types (none ticked: all)',
  '星期（不选为每天）': 'Weekdays (none ticked: every day)', '社区/村': 'Community / village',
  '移除区域：{name}': 'Remove area: {name}', 添加区域: 'Add area', '或在地图上点选：': 'or tap on the map:', 点选地图时添加: 'Add when a cell is tapped', 区域地图: 'Areas map', '（所在网格的责任单位）': "(the cell's responsibility unit)",
  '第 {n} 条': 'rule {n}', '选择派往单位后，这里列出会改派的工单。': 'Choose where it sends tickets to see which would go elsewhere.',
  删除规则: 'Delete rule', 确认删除: 'Delete for good', 规则名称: 'Rule name', '区域（不选为全县）': 'Areas (none: the whole county)',
  '留空为全天；可跨午夜，如 18:00 至 02:00。': 'Empty: all day; may run past midnight, e.g. 18:00 to 02:00.',
  第一条匹配的规则生效: 'The first rule that matches decides', 对最近工单的影响: 'Effect on recent tickets',
  '删除“{name}”之后：': 'After deleting “{name}”:', 已删除: 'Deleted',
  '网格员拍照上报时按这个顺序列出类别；本人和本网格常报的类别排在最前。':
    "Inspectors see the categories in this order when they report; what they and their cell report most comes first.",
  处置期限: 'Deadline', '上报时间（不填为现在）': 'Reported at (empty: now)',
  // 系统管理 · 网格管理 and 县区设置 (views/admin-grid.js, views/admin-county.js): a file checked, then imported.
  网格管理: 'Grid cells', 县区设置: 'County settings', 网格地图: 'Grid map', '现有 {n} 个网格': '{n} cells now',
  'GeoJSON 要素集，每个网格一个 Polygon 或 MultiPolygon，属性 code（14或15位编码）、name、responsible_unit、inspectors、valid_from、valid_to。先检查，确认后再导入；有一处错误则整个文件不导入。':
    'A GeoJSON FeatureCollection, one Polygon or MultiPolygon a cell, with properties code (14 or 15 digits), name, responsible_unit, inspectors, valid_from, valid_to. It is checked first and imported once you confirm; one error and nothing is imported.',
  '网格文件（.geojson）': 'Grid file (.geojson)', 检查文件: 'Check the file', '检查中…': 'Checking…',
  请选择网格文件: 'Choose a grid file', '文件不是有效的 JSON': 'The file is not valid JSON',
  '文件有 {n} 处错误，未导入任何网格': '{n} problems in the file: nothing was imported', 整个文件: 'The whole file',
  '要素 {n}': 'Feature {n}', '（无法在地图上显示）': ' (cannot be shown on the map)',
  '点击一处错误，地图上显示它的位置：红框为出错的网格，红色填充为重叠部分，虚线为与之重叠的网格。':
    'Click a problem to see it on the map: the cell at fault outlined in red, the overlap filled red, the cell it overlaps dashed.',
  新增: 'added', '文件中没有（保留）': 'not in the file (kept)', 未变: 'unchanged', 原边界: 'former border',
  初始日期: 'Valid from', 终止日期: 'Valid until', '边界（面积）': 'Border (area)',
  '文件检查通过，尚未导入。': 'The file passed the check; nothing is imported yet.',
  '导入不会删除网格：文件中没有的网格保持不变。要停用一个网格，请在文件中填写它的终止日期 valid_to。':
    'An import never deletes a cell: those not in the file stay as they are. To retire a cell, give it an end date (valid_to) in the file.',
  确认导入: 'Import', '与现有网格相同，无需导入': 'Same as the grid now: nothing to import',
  '已导入 {n} 个网格（第 {revision} 版）': '{n} cells imported (revision {revision})',
  '单位、点位类型、问题类别、派遣规则、节假日调整、检查表和排名设置，作为一个 YAML 文件下载、修改和导入（与命令行 gridpatrol config export/import 的文件相同）。':
    'Units, point types, categories, routing rules, calendar changes, checklists and ranking settings as one YAML file to download, edit and import (the same file as the command line gridpatrol config export/import).',
  导出: 'Export', '下载设置文件（YAML）': 'Download the settings file (YAML)', 下载失败: 'The download failed',
  '设置文件（.yaml 或 .json）': 'Settings file (.yaml or .json)', 预览变更: 'Preview the changes',
  请选择设置文件: 'Choose a settings file', '第 {n} 项': 'entry {n}', 缺少此项: 'missing', 不能有此项: 'not allowed here',
  节假日调整: 'Calendar changes', 排名设置: 'Ranking', 移除: 'removed',
  '以下为导入后将发生的变更，尚未导入。': 'What the import would change; nothing is imported yet.',
  '与当前设置相同，无需导入': 'Same as the settings now: nothing to import', 设置已导入: 'Settings imported',
};

export const STATUS = {
  incomplete: ['照片未齐', 'photos missing'], reported: ['待分派', 'to dispatch'], dispatched: ['已交办', 'dispatched'],
  accepted: ['整改中', 'in progress'], rectified: ['待核查', 'to verify'], rework: ['返工', 'rework'],
  closed: ['已销号', 'closed'], returned: ['已退回', 'returned'], parked: ['挂起', 'parked'],
  cancelled: ['已撤销', 'cancelled'],
};

export let lang = localStorage.getItem('gridpatrol.lang') === 'en' ? 'en' : 'zh';

export function setLang(value) {
  lang = value;
  localStorage.setItem('gridpatrol.lang', value);
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

/** The text for a key in the current language, its {placeholders} filled from `values`. */
export function t(key, values) {
  const text = (lang === 'en' && EN[key]) || key;
  return values && typeof text === 'string' ? text.replace(/\{(\w+)\}/g, (all, name) => values[name] ?? all) : text;
}
export const statusName = (status) => (STATUS[status] || [status, status])[lang === 'en' ? 1 : 0];
/** An error in the current language: the server's own two texts, or ours, whose message is a key with
 * `values` (api.js and outbox.js also run in the service worker, where this module cannot). Takes a
 * thrown error or the outbox's record of one. */
export function errorText(error) {
  const english = error?.detail?.message_en || error?.message_en;
  return (lang === 'en' && english) || t(error?.message || String(error), error?.values);
}
