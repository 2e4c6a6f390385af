// Display helpers: phone numbers, elapsed times, dates.
import type {Locale} from './i18n';

// Country calling codes of two digits (ITU-T E.164 assignments); codes starting with 1 or 7 have
// one digit, every other code has three. Enough to split the country code off a wa_id.
const TWO_DIGIT_CODES = new Set([
    '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47',
    '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65',
    '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

function countryCodeLength(digits: string): number {
    if (digits.startsWith('1') || digits.startsWith('7')) {
        return 1;
    }
    return TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
}

/** Splits the national number into groups of three, ending with groups of four: 3-3-4, 3-4-4, 4-4. */
function group(national: string): string[] {
    const n = national.length;
    const fours = [0, 1, 2][n % 3];
    const threes = (n - 4 * fours) / 3;
    if (n <= 4 || threes < 0) {
        return [national];
    }
    const parts: string[] = [];
    let i = 0;
    for (let k = 0; k < threes; k++, i += 3) {
        parts.push(national.slice(i, i + 3));
    }
    for (let k = 0; k < fours; k++, i += 4) {
        parts.push(national.slice(i, i + 4));
    }
    return parts;
}

/**
 * Formats an international number (with or without '+', as WhatsApp's wa_id carries it):
 * Brazil as +55 11 98765-4321 / +55 11 3456-7890, North America as +1 415 555 0100,
 * anything else as the country code and groups of digits. Returns the input unchanged when
 * it does not look like a phone number.
 */
export function formatPhone(raw: string | undefined | null): string {
    if (!raw) {
        return '';
    }
    const trimmed = raw.trim();
    if (!/^\+?[\d\s().-]+$/.test(trimmed)) {
        return trimmed;
    }
    const digits = trimmed.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) {
        return trimmed;
    }
    if (digits.startsWith('55') && (digits.length === 12 || digits.length === 13)) {
        const area = digits.slice(2, 4);
        const subscriber = digits.slice(4);
        const split = subscriber.length - 4;
        return `+55 ${area} ${subscriber.slice(0, split)}-${subscriber.slice(split)}`;
    }
    if (digits.startsWith('1') && digits.length === 11) {
        return `+1 ${digits.slice(1, 4)} ${digits.slice(4, 7)} ${digits.slice(7)}`;
    }
    const cc = countryCodeLength(digits);
    return `+${digits.slice(0, cc)} ${group(digits.slice(cc)).join(' ')}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Elapsed time as m:ss, h:mm:ss or "2d 03:04:05"; negative durations count as zero. */
export function formatDuration(ms: number): string {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (days > 0) {
        return `${days}d ${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
    }
    if (hours > 0) {
        return `${hours}:${pad(minutes)}:${pad(seconds)}`;
    }
    return `${minutes}:${pad(seconds)}`;
}

/** Time left in compact form: "23h 05m", "12m 30s", "45s". */
export function formatRemaining(ms: number): string {
    const total = Math.max(0, Math.floor(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) {
        return `${hours}h ${pad(minutes)}m`;
    }
    if (minutes > 0) {
        return `${minutes}m ${pad(seconds)}s`;
    }
    return `${seconds}s`;
}

export function formatDateTime(ms: number, locale: Locale): string {
    if (!ms) {
        return '';
    }
    try {
        return new Date(ms).toLocaleString(locale, {dateStyle: 'short', timeStyle: 'short'});
    } catch {
        return new Date(ms).toISOString();
    }
}

export function formatTime(ms: number, locale: Locale): string {
    try {
        return new Date(ms).toLocaleTimeString(locale, {hour: '2-digit', minute: '2-digit'});
    } catch {
        return new Date(ms).toISOString().slice(11, 16);
    }
}

/** One line for a person: name · formatted phone · email, skipping what is missing. */
export function describePerson(p: {name: string; phone?: string; email?: string}): string {
    return [p.name, formatPhone(p.phone), p.email].filter(Boolean).join(' · ');
}

/**
 * Whether the server accepts q as a people search (server/helpdesk/people.go SearchTerm): at least
 * 2 characters, or at least 4 digits when q looks like a phone number. Shorter queries wait for
 * more typing instead of showing the server's refusal.
 */
export function isSearchable(query: string): boolean {
    const q = query.trim();
    let digits = 0;
    let phoneLike = true;
    for (const ch of q) {
        if (ch >= '0' && ch <= '9') {
            digits++;
        } else if (!'+-() .'.includes(ch)) {
            phoneLike = false;
        }
    }
    return [...q].length >= 2 && !(phoneLike && digits < 4);
}
