/* grain: one planned funding line (contract documents) × QPV × year: see fct_funding */
{{ cdv_allocate_funding(ref('int_document_funding_lines'), ref('int_document_line_qpvs')) }}
