/* grain: one executed funding line (ANCT post) × QPV × year: see fct_funding */
{{ cdv_allocate_funding(ref('int_anct_funding_lines'), ref('int_anct_line_qpvs')) }}
