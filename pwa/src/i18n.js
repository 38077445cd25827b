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
  换人登录: 'Another person cannot log in while this phone holds unsent tickets of', 定位已过期: 'Locating again…', 上次更新: 'Updated', 离线数据: 'offline copy',
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
