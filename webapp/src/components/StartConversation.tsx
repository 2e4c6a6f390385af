// The "New conversation" form: phone, an approved template, one field per placeholder and a
// preview with the credit cost. The server decides everything else (opt-out, credits, the
// customer's open conversation) and its refusal is shown here as is.
import React, {useEffect, useMemo, useState} from 'react';

import {useHelpdesk, usePluginState, useT} from '../context';
import {errorMessage} from '../helpdesk';
import type {MessageKey} from '../i18n';
import {previewText, startConversation, startTemplates, type StartTemplate, type TemplateField} from '../proactive';
import type {Conversation} from '../types';

import {useAction} from './useAction';

const FIELD_LABELS: Record<TemplateField['kind'], MessageKey> = {
    header_media: 'start.field.headerMedia',
    header: 'start.field.header',
    body: 'start.field.body',
    button: 'start.field.button',
};

const keyOf = (t: StartTemplate) => `${t.name}|${t.language}`;

export interface StartConversationProps {
    onStarted(conversation: Conversation): void;
    onCancel(): void;
}

export function StartConversation({onStarted, onCancel}: StartConversationProps) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const {currentChannelId} = usePluginState();
    const [templates, setTemplates] = useState<StartTemplate[] | null>(null);
    const [phone, setPhone] = useState('');
    const [choice, setChoice] = useState('');
    const [values, setValues] = useState<string[]>([]);
    const {busy: sending, error, setError, run} = useAction();

    useEffect(() => {
        let live = true;
        startTemplates(helpdesk.client).then(
            (list) => live && setTemplates(list),
            (err) => live && setError(errorMessage(err)),
        );
        return () => {
            live = false;
        };
    }, [helpdesk, setError]);

    const template = useMemo(() => templates?.find((x) => keyOf(x) === choice), [templates, choice]);

    const choose = (key: string) => {
        setChoice(key);
        setValues([]);
        setError('');
    };

    const submit = async (e: React.FormEvent) => {
        e.preventDefault();
        if (phone.replace(/\D/g, '').length < 8) {
            setError(t('start.phoneInvalid'));
            return;
        }
        if (!template) {
            setError(t('start.templateMissing'));
            return;
        }
        const params = template.fields.map((_, i) => (values[i] ?? '').trim());
        if (params.some((v) => v === '')) {
            setError(t('start.fieldsMissing'));
            return;
        }
        await run(async () => {
            const conversation = await startConversation(helpdesk.client, {
                phone, template: template.name, language: template.language, params, channel_id: currentChannelId || undefined,
            });
            helpdesk.store.dispatch({type: 'conversation', conversation});
            onStarted(conversation);
        });
    };

    return (
        <form
            className='wahd-start'
            data-testid='wa-start-form'
            aria-label={t('start.title')}
            onSubmit={submit}
        >
            <div className='wahd-section-title'>{t('start.title')}</div>
            <div className='wahd-field'>
                <label htmlFor='wahd-start-phone'>{t('start.phone')}</label>
                <input
                    id='wahd-start-phone'
                    className='wahd-input'
                    type='tel'
                    autoComplete='off'
                    placeholder='+55 11 98765-4321'
                    data-testid='wa-start-phone'
                    value={phone}
                    onChange={(e) => setPhone(e.target.value)}
                />
            </div>
            <div className='wahd-field'>
                <label htmlFor='wahd-start-template'>{t('start.template')}</label>
                <select
                    id='wahd-start-template'
                    className='wahd-input'
                    data-testid='wa-start-template'
                    value={choice}
                    disabled={!templates}
                    onChange={(e) => choose(e.target.value)}
                >
                    <option value=''>{templates ? t('start.templatePick') : t('common.loading')}</option>
                    {templates?.map((x) => (
                        <option
                            key={keyOf(x)}
                            value={keyOf(x)}
                        >{`${x.name} (${x.language})`}</option>
                    ))}
                </select>
            </div>
            {template?.fields.map((f, i) => (
                <div
                    className='wahd-field'
                    key={`${choice}-${i}`}
                >
                    <label htmlFor={`wahd-start-p${i}`}>{t(FIELD_LABELS[f.kind], {name: f.kind === 'header' || f.kind === 'body' ? `{{${f.name}}}` : f.name})}</label>
                    <input
                        id={`wahd-start-p${i}`}
                        className='wahd-input'
                        data-testid={`wa-start-param-${i}`}
                        value={values[i] ?? ''}
                        onChange={(e) => {
                            const next = [...values];
                            next[i] = e.target.value;
                            setValues(next);
                        }}
                    />
                </div>
            ))}
            {template && (
                <div
                    className='wahd-start-preview'
                    data-testid='wa-start-preview'
                >
                    <div className='wahd-field-label'>{t('start.preview')}</div>
                    <div className='wahd-start-preview-text'>{previewText(template, values)}</div>
                    <div className='wahd-muted'>{t('start.cost')}</div>
                </div>
            )}
            {error && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                    data-testid='wa-start-error'
                >{error}</div>
            )}
            <div className='wahd-start-actions'>
                <button
                    type='submit'
                    className='wahd-button'
                    data-testid='wa-start-send'
                    disabled={sending}
                >{sending ? t('start.sending') : t('start.send')}</button>
                <button
                    type='button'
                    className='wahd-button wahd-button--secondary'
                    onClick={onCancel}
                >{t('common.cancel')}</button>
            </div>
        </form>
    );
}
