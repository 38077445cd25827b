// Simplified Chinese first; English when the user switches (kept in localStorage).
const EN = {
  网格巡查: 'Grid patrol', 账号: 'Username', 密码: 'Password', 登录: 'Log in', 退出登录: 'Log out',
  拍照上报: 'Report', 待发送: 'Outbox', 我的工单: 'My tickets', 地图: 'Map', 我的: 'Me',
  拍照: 'Take photo', 最多9张: 'up to 9 photos', 删除照片: 'Remove photo', 问题类别: 'Problem category',
  搜索类别: 'Search (name or pinyin initials)', 点位类型: 'Point type', 不选: '(none)', 备注: 'Note',
  保存待发送: 'Save to outbox', 位置: 'Location', 定位中: 'Locating…', 网格: 'Grid cell',
  不在网格内: 'outside every grid cell', 手动选择网格: 'Choose the cell by hand', 按定位: 'from GPS',
  定位精度差: 'Poor GPS accuracy: choose the cell by hand', 无法定位: 'No GPS fix',
  已保存待发送: 'Saved to the outbox', 离线提示: 'Offline: tickets stay on this phone and are sent when the network returns',
  立即发送: 'Send now', 重试: 'Retry', 放弃: 'Discard', 导出未发送: 'Export unsent (ZIP)',
  没有待发送: 'Nothing waiting to be sent', 已发送: 'sent', 排队中: 'queued', 发送中: 'sending',
  冲突: 'conflict', 被拒绝: 'refused', 次尝试: 'attempts', 照片: 'photos', 有新版本: 'A new version is ready',
  更新: 'Update', 存储空间: 'Storage', 已持久化: 'persistent', 未持久化: 'may be cleared by the browser',
  语言: 'Language', 待核查: 'To verify', 核查通过: 'Pass', 核查不通过: 'Fail', 核查说明: 'Verification note',
  暂无工单: 'No tickets yet', 返回: 'Back', 处理记录: 'History', 整改照片: 'After photos', 问题照片: 'Before photos',
  承办单位: 'Bureau', 期限: 'Deadline', 分派依据: 'Routing', 状态: 'Status', 未发送确认: 'Some tickets are not sent yet. Log out and DELETE them from this phone?',
  刷新: 'Refresh', 登录已失效: 'Your login has expired or was revoked; unsent tickets are kept.', 重新登录: 'Log in again',
  待办: 'Queue', 调度台: 'Dispatch desk', 派遣试算: 'Routing dry-run', 工单: 'Tickets', 核查: 'Verify', 抽查: 'Spot checks',
  暗访: 'Undercover report', 总览: 'Overview', 签收: 'Accept', 退回: 'Return', 改派: 'Reassign', 督办: 'Escalate',
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
  '本周暗访发现（计网格漏报）': 'Found by supervision this week (missed by the cell)', 网格员: 'Inspectors', 件数: 'Count',
  核查照片: 'Verification photos', 拍核查照片: 'Take a verification photo',
  不通过须写明原因并拍照: 'A failure needs a reason and a photo', 剩余: 'left', 工作小时: 'working hours', 正常: 'on track', 临期: 'due soon', 换人登录: 'Another person cannot log in while this phone holds unsent tickets of', 定位已过期: 'Locating again…', 上次更新: 'Updated', 离线数据: 'offline copy',
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

/** The text for a Chinese key in the current language. */
export const t = (zh) => (lang === 'en' && EN[zh]) || zh;
export const statusName = (status) => (STATUS[status] || [status, status])[lang === 'en' ? 1 : 0];
/** A server error's message in the current language. */
export const errorText = (error) => (lang === 'en' && error?.detail?.message_en) || error?.message || String(error);
