// A ticket's tags: chips with a remove button and a field to add more. Tags are checked here the
// way the server checks them (lowercase words of up to 32 characters, at most 10), so the agent
// reads the reason before any call; the server's refusal is shown too.
import React, {useState} from 'react';

import {useT} from '../context';

import {useAction} from './useAction';

export const MAX_TAG_LENGTH = 32;
export const MAX_TAGS = 10;

/** The tags typed (comma or space separated), folded to lower case; an error key when invalid. */
export function parseTags(text: string, current: string[]): {tags: string[]; error?: 'tags.error.long' | 'tags.error.many'} {
    const tags = [...current];
    for (const raw of text.split(/[\s,]+/)) {
        const tag = raw.replace(/^#/, '').toLowerCase();
        if (!tag || tags.includes(tag)) {
            continue;
        }
        if ([...tag].length > MAX_TAG_LENGTH) {
            return {tags: current, error: 'tags.error.long'};
        }
        tags.push(tag);
    }
    if (tags.length > MAX_TAGS) {
        return {tags: current, error: 'tags.error.many'};
    }
    return {tags};
}

export interface TagEditorProps {

    /** Keys the test ids. */
    id: string;
    tags: string[];
    onSave(tags: string[]): Promise<unknown>;
}

export function TagEditor({id, tags, onSave}: TagEditorProps) {
    const t = useT();
    const [text, setText] = useState('');
    const {busy, error, setError, run} = useAction();

    const save = (next: string[]) => run(async () => {
        await onSave(next);
        setText('');
    });

    const add = (e: React.FormEvent) => {
        e.preventDefault();
        const parsed = parseTags(text, tags);
        if (parsed.error) {
            setError(t(parsed.error, {max: parsed.error === 'tags.error.long' ? MAX_TAG_LENGTH : MAX_TAGS}));
            return;
        }
        if (parsed.tags.length !== tags.length) {
            save(parsed.tags);
        }
    };

    return (
        <form
            className='wahd-tags'
            onSubmit={add}
            data-testid={`wa-tags-${id}`}
        >
            {tags.map((tag) => (
                <span
                    key={tag}
                    className='wahd-tag'
                    data-testid={`wa-tag-${id}-${tag}`}
                >
                    {tag}
                    <button
                        type='button'
                        className='wahd-link-button'
                        aria-label={t('tags.remove', {tag})}
                        disabled={busy}
                        onClick={() => save(tags.filter((x) => x !== tag))}
                    >{'×'}</button>
                </span>
            ))}
            <input
                className='wahd-input wahd-tag-input'
                value={text}
                placeholder={t('tags.placeholder')}
                aria-label={t('tags.add')}
                data-testid={`wa-tag-input-${id}`}
                aria-invalid={Boolean(error)}
                onChange={(e) => setText(e.target.value)}
            />
            <button
                type='submit'
                className='wahd-button wahd-button--secondary'
                disabled={busy || !text.trim()}
                data-testid={`wa-tag-add-${id}`}
            >{t('tags.add')}</button>
            {error && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                    data-testid={`wa-tag-error-${id}`}
                >{error}</div>
            )}
        </form>
    );
}
