-- A 送达回证 proves one service: two services registered at once cannot both name it.
CREATE UNIQUE INDEX document_services_receipt_once ON document_services ((details->>'receipt_id'))
    WHERE details ? 'receipt_id';
