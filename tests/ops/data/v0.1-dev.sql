BEGIN TRANSACTION;
CREATE TABLE accompagnement (
	id INTEGER NOT NULL, 
	structure_id INTEGER NOT NULL, 
	agent_id INTEGER NOT NULL, 
	type VARCHAR(40) NOT NULL, 
	date DATE NOT NULL, 
	duree_min INTEGER NOT NULL, 
	lieu_type VARCHAR(40) NOT NULL, 
	lieu_nom VARCHAR(200), 
	sous_themes_admin JSON NOT NULL, 
	demarche_nom VARCHAR(200), 
	autonomie VARCHAR(60), 
	oriente BOOLEAN NOT NULL, 
	orientation VARCHAR(200), 
	atelier_titre VARCHAR(200), 
	atelier_niveau VARCHAR(20), 
	notes TEXT, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_accompagnement PRIMARY KEY (id), 
	CONSTRAINT ck_accompagnement_duree_positive CHECK (duree_min > 0), 
	CONSTRAINT fk_accompagnement_agent_id_agent FOREIGN KEY(agent_id) REFERENCES agent (id), 
	CONSTRAINT fk_accompagnement_structure_id_structure FOREIGN KEY(structure_id) REFERENCES structure (id)
);
INSERT INTO "accompagnement" VALUES(1,1,2,'Accompagnement individuel','2026-11-16',45,'Lieu d''activité',NULL,'["Social - Sant\u00e9"]','Compte ameli','Avec guidage',0,NULL,NULL,NULL,NULL,'2026-11-23 10:28:25.816614');
INSERT INTO "accompagnement" VALUES(2,1,2,'Accompagnement individuel','2026-07-18',15,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-07-18 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(3,4,1,'Accompagnement individuel','2026-04-30',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-04-30 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(4,2,4,'Accompagnement individuel','2026-06-17',15,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-06-17 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(5,3,3,'Accompagnement individuel','2026-11-03',30,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-11-03 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(6,4,1,'Accompagnement individuel','2025-11-28',60,'À domicile',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2025-11-28 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(7,1,2,'Accompagnement individuel','2026-01-23',30,'À distance',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-01-23 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(8,3,3,'Accompagnement individuel','2026-11-10',15,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-11-10 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(9,1,2,'Accompagnement individuel','2026-10-23',45,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-10-23 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(10,1,2,'Accompagnement individuel','2026-09-06',60,'À domicile',NULL,'["Associations"]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-09-06 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(11,1,2,'Accompagnement individuel','2026-07-09',45,'Autre lieu',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-07-09 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(12,4,1,'Accompagnement individuel','2026-04-19',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-04-19 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(13,1,2,'Atelier collectif','2026-07-30',90,'Lieu d''activité',NULL,'["Famille - Scolarit\u00e9"]',NULL,NULL,0,NULL,'Premiers pas sur la tablette','Débutant',NULL,'2026-07-30 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(14,3,3,'Atelier collectif','2026-03-10',90,'Lieu d''activité',NULL,'[]',NULL,NULL,0,NULL,'Découvrir l''intelligence artificielle','Avancé',NULL,'2026-03-10 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(15,4,1,'Accompagnement individuel','2026-10-20',60,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-10-20 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(16,4,1,'Accompagnement individuel','2026-08-12',45,'Lieu d''activité',NULL,'["Argent - Imp\u00f4ts"]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-08-12 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(17,3,3,'Accompagnement individuel','2026-08-03',15,'Lieu d''activité',NULL,'[]',NULL,'Autonome',1,'Autre structure de médiation numérique',NULL,NULL,NULL,'2026-08-03 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(18,1,2,'Accompagnement individuel','2026-04-12',30,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-04-12 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(19,1,2,'Accompagnement individuel','2026-06-08',60,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-06-08 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(20,3,3,'Atelier collectif','2025-12-22',90,'À domicile',NULL,'[]',NULL,NULL,0,NULL,'Ranger ses photos','Intermédiaire',NULL,'2025-12-22 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(21,2,4,'Accompagnement individuel','2026-04-06',60,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-04-06 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(22,3,3,'Accompagnement individuel','2026-01-25',15,'Autre lieu',NULL,'["Transports - Mobilit\u00e9"]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-01-25 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(23,3,3,'Accompagnement individuel','2025-12-23',30,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2025-12-23 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(24,1,2,'Accompagnement individuel','2026-05-27',60,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-05-27 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(25,1,2,'Atelier collectif','2026-09-26',90,'Lieu d''activité',NULL,'[]',NULL,NULL,1,'Opérateur ou organisme en charge de la démarche administrative','Premiers pas sur la tablette','Débutant',NULL,'2026-09-26 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(26,4,1,'Accompagnement individuel','2026-09-10',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-09-10 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(27,1,2,'Accompagnement individuel','2026-09-15',45,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',1,'Structure d''aide aux démarches administratives (France Services…)',NULL,NULL,NULL,'2026-09-15 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(28,1,2,'Accompagnement individuel','2026-04-09',15,'Autre lieu',NULL,'["Travail - Formation - Entreprise"]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-04-09 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(29,2,4,'Accompagnement individuel','2026-09-15',15,'À domicile',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',1,'Autre',NULL,NULL,NULL,'2026-09-15 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(30,3,3,'Accompagnement individuel','2026-08-26',15,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-08-26 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(31,4,1,'Accompagnement individuel','2026-09-01',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-09-01 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(32,4,1,'Accompagnement individuel','2025-12-29',60,'À domicile',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2025-12-29 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(33,2,4,'Atelier collectif','2026-02-01',90,'Lieu d''activité',NULL,'[]',NULL,NULL,0,NULL,'Premiers pas sur la tablette','Débutant',NULL,'2026-02-01 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(34,1,2,'Accompagnement individuel','2026-09-08',60,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-09-08 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(35,1,2,'Accompagnement individuel','2026-07-29',60,'Lieu d''activité',NULL,'["Famille - Scolarit\u00e9"]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-07-29 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(36,1,2,'Accompagnement individuel','2025-11-27',60,'Lieu d''activité',NULL,'["Famille - Scolarit\u00e9"]',NULL,'Autonome',1,'Structure d''aide sociale (maison des solidarités, centre social…)',NULL,NULL,NULL,'2025-11-27 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(37,3,3,'Accompagnement individuel','2026-11-17',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-11-17 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(38,1,2,'Accompagnement individuel','2026-06-27',30,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-06-27 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(39,1,2,'Accompagnement individuel','2026-05-18',30,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-05-18 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(40,4,1,'Accompagnement individuel','2026-07-10',15,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-07-10 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(41,2,4,'Accompagnement individuel','2026-10-28',15,'Lieu d''activité',NULL,'["Travail - Formation - Entreprise"]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-10-28 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(42,1,2,'Accompagnement individuel','2025-12-17',30,'Lieu d''activité',NULL,'["Associations"]',NULL,'Autonome',1,'Opérateur ou organisme en charge de la démarche administrative',NULL,NULL,NULL,'2025-12-17 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(43,4,1,'Accompagnement individuel','2026-11-23',30,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-11-23 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(44,3,3,'Accompagnement individuel','2026-07-31',15,'Lieu d''activité',NULL,'["Argent - Imp\u00f4ts"]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-07-31 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(45,3,3,'Accompagnement individuel','2026-06-21',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome avec guidage en cas de besoin',0,NULL,NULL,NULL,NULL,'2026-06-21 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(46,4,1,'Accompagnement individuel','2026-09-27',30,'Lieu d''activité',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2026-09-27 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(47,1,2,'Accompagnement individuel','2026-06-06',45,'Lieu d''activité',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-06-06 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(48,1,2,'Accompagnement individuel','2026-09-05',45,'Autre lieu',NULL,'[]',NULL,'Autonome',0,NULL,NULL,NULL,NULL,'2026-09-05 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(49,3,3,'Atelier collectif','2026-04-11',90,'Lieu d''activité',NULL,'[]',NULL,NULL,0,NULL,'Ranger ses photos','Intermédiaire',NULL,'2026-04-11 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(50,1,2,'Atelier collectif','2026-04-15',90,'Lieu d''activité',NULL,'["Travail - Formation - Entreprise"]',NULL,NULL,0,NULL,'Sécuriser ses comptes en ligne','Intermédiaire',NULL,'2026-04-15 16:00:00.000000');
INSERT INTO "accompagnement" VALUES(51,4,1,'Accompagnement individuel','2025-12-18',15,'À domicile',NULL,'[]',NULL,'Avec guidage',0,NULL,NULL,NULL,NULL,'2025-12-18 16:00:00.000000');
CREATE TABLE accompagnement_materiel (
	accompagnement_id INTEGER NOT NULL, 
	materiel VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_accompagnement_materiel PRIMARY KEY (accompagnement_id, materiel), 
	CONSTRAINT fk_accompagnement_materiel_accompagnement_id_accompagnement FOREIGN KEY(accompagnement_id) REFERENCES accompagnement (id) ON DELETE CASCADE
);
INSERT INTO "accompagnement_materiel" VALUES(1,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(2,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(3,'Tablette');
INSERT INTO "accompagnement_materiel" VALUES(4,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(5,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(6,'Pas de matériel');
INSERT INTO "accompagnement_materiel" VALUES(7,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(8,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(9,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(10,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(11,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(12,'Tablette');
INSERT INTO "accompagnement_materiel" VALUES(13,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(14,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(15,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(16,'Autre');
INSERT INTO "accompagnement_materiel" VALUES(17,'Pas de matériel');
INSERT INTO "accompagnement_materiel" VALUES(18,'Tablette');
INSERT INTO "accompagnement_materiel" VALUES(19,'Autre');
INSERT INTO "accompagnement_materiel" VALUES(20,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(21,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(22,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(23,'Tablette');
INSERT INTO "accompagnement_materiel" VALUES(24,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(25,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(26,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(27,'Pas de matériel');
INSERT INTO "accompagnement_materiel" VALUES(28,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(29,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(30,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(31,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(32,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(33,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(34,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(35,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(36,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(37,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(38,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(39,'Pas de matériel');
INSERT INTO "accompagnement_materiel" VALUES(40,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(41,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(42,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(43,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(44,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(45,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(46,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(47,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(48,'Tablette');
INSERT INTO "accompagnement_materiel" VALUES(49,'Ordinateur');
INSERT INTO "accompagnement_materiel" VALUES(50,'Téléphone');
INSERT INTO "accompagnement_materiel" VALUES(51,'Téléphone');
CREATE TABLE accompagnement_participant (
	accompagnement_id INTEGER NOT NULL, 
	beneficiaire_id INTEGER NOT NULL, 
	CONSTRAINT pk_accompagnement_participant PRIMARY KEY (accompagnement_id, beneficiaire_id), 
	CONSTRAINT fk_accompagnement_participant_accompagnement_id_accompagnement FOREIGN KEY(accompagnement_id) REFERENCES accompagnement (id) ON DELETE CASCADE, 
	CONSTRAINT fk_accompagnement_participant_beneficiaire_id_beneficiaire FOREIGN KEY(beneficiaire_id) REFERENCES beneficiaire (id)
);
INSERT INTO "accompagnement_participant" VALUES(1,1);
INSERT INTO "accompagnement_participant" VALUES(2,14);
INSERT INTO "accompagnement_participant" VALUES(3,11);
INSERT INTO "accompagnement_participant" VALUES(4,18);
INSERT INTO "accompagnement_participant" VALUES(5,10);
INSERT INTO "accompagnement_participant" VALUES(6,11);
INSERT INTO "accompagnement_participant" VALUES(7,14);
INSERT INTO "accompagnement_participant" VALUES(8,9);
INSERT INTO "accompagnement_participant" VALUES(9,24);
INSERT INTO "accompagnement_participant" VALUES(10,29);
INSERT INTO "accompagnement_participant" VALUES(11,29);
INSERT INTO "accompagnement_participant" VALUES(12,28);
INSERT INTO "accompagnement_participant" VALUES(13,26);
INSERT INTO "accompagnement_participant" VALUES(13,11);
INSERT INTO "accompagnement_participant" VALUES(13,14);
INSERT INTO "accompagnement_participant" VALUES(13,23);
INSERT INTO "accompagnement_participant" VALUES(14,9);
INSERT INTO "accompagnement_participant" VALUES(14,11);
INSERT INTO "accompagnement_participant" VALUES(14,12);
INSERT INTO "accompagnement_participant" VALUES(14,14);
INSERT INTO "accompagnement_participant" VALUES(14,19);
INSERT INTO "accompagnement_participant" VALUES(14,21);
INSERT INTO "accompagnement_participant" VALUES(14,22);
INSERT INTO "accompagnement_participant" VALUES(14,29);
INSERT INTO "accompagnement_participant" VALUES(15,21);
INSERT INTO "accompagnement_participant" VALUES(16,21);
INSERT INTO "accompagnement_participant" VALUES(17,7);
INSERT INTO "accompagnement_participant" VALUES(18,22);
INSERT INTO "accompagnement_participant" VALUES(19,19);
INSERT INTO "accompagnement_participant" VALUES(20,7);
INSERT INTO "accompagnement_participant" VALUES(20,10);
INSERT INTO "accompagnement_participant" VALUES(20,20);
INSERT INTO "accompagnement_participant" VALUES(20,23);
INSERT INTO "accompagnement_participant" VALUES(20,27);
INSERT INTO "accompagnement_participant" VALUES(21,25);
INSERT INTO "accompagnement_participant" VALUES(22,20);
INSERT INTO "accompagnement_participant" VALUES(23,30);
INSERT INTO "accompagnement_participant" VALUES(24,29);
INSERT INTO "accompagnement_participant" VALUES(25,26);
INSERT INTO "accompagnement_participant" VALUES(25,6);
INSERT INTO "accompagnement_participant" VALUES(26,11);
INSERT INTO "accompagnement_participant" VALUES(27,14);
INSERT INTO "accompagnement_participant" VALUES(28,26);
INSERT INTO "accompagnement_participant" VALUES(29,25);
INSERT INTO "accompagnement_participant" VALUES(30,9);
INSERT INTO "accompagnement_participant" VALUES(31,11);
INSERT INTO "accompagnement_participant" VALUES(32,28);
INSERT INTO "accompagnement_participant" VALUES(33,25);
INSERT INTO "accompagnement_participant" VALUES(33,10);
INSERT INTO "accompagnement_participant" VALUES(33,22);
INSERT INTO "accompagnement_participant" VALUES(33,6);
INSERT INTO "accompagnement_participant" VALUES(34,26);
INSERT INTO "accompagnement_participant" VALUES(35,12);
INSERT INTO "accompagnement_participant" VALUES(36,12);
INSERT INTO "accompagnement_participant" VALUES(37,20);
INSERT INTO "accompagnement_participant" VALUES(38,26);
INSERT INTO "accompagnement_participant" VALUES(39,16);
INSERT INTO "accompagnement_participant" VALUES(40,6);
INSERT INTO "accompagnement_participant" VALUES(41,18);
INSERT INTO "accompagnement_participant" VALUES(42,8);
INSERT INTO "accompagnement_participant" VALUES(43,28);
INSERT INTO "accompagnement_participant" VALUES(44,7);
INSERT INTO "accompagnement_participant" VALUES(45,7);
INSERT INTO "accompagnement_participant" VALUES(46,28);
INSERT INTO "accompagnement_participant" VALUES(47,24);
INSERT INTO "accompagnement_participant" VALUES(48,29);
INSERT INTO "accompagnement_participant" VALUES(49,9);
INSERT INTO "accompagnement_participant" VALUES(49,20);
INSERT INTO "accompagnement_participant" VALUES(49,22);
INSERT INTO "accompagnement_participant" VALUES(50,19);
INSERT INTO "accompagnement_participant" VALUES(50,22);
INSERT INTO "accompagnement_participant" VALUES(50,25);
INSERT INTO "accompagnement_participant" VALUES(50,28);
INSERT INTO "accompagnement_participant" VALUES(50,29);
INSERT INTO "accompagnement_participant" VALUES(50,30);
INSERT INTO "accompagnement_participant" VALUES(51,11);
CREATE TABLE accompagnement_thematique (
	accompagnement_id INTEGER NOT NULL, 
	thematique VARCHAR(80) NOT NULL, 
	CONSTRAINT pk_accompagnement_thematique PRIMARY KEY (accompagnement_id, thematique), 
	CONSTRAINT fk_accompagnement_thematique_accompagnement_id_accompagnement FOREIGN KEY(accompagnement_id) REFERENCES accompagnement (id) ON DELETE CASCADE
);
INSERT INTO "accompagnement_thematique" VALUES(1,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(1,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(2,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(2,'Santé');
INSERT INTO "accompagnement_thematique" VALUES(3,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(4,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(4,'Intelligence artificielle (IA)');
INSERT INTO "accompagnement_thematique" VALUES(5,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(6,'Maintenance de matériel');
INSERT INTO "accompagnement_thematique" VALUES(7,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(8,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(9,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(10,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(10,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(11,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(12,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(13,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(14,'Banque et achats en ligne');
INSERT INTO "accompagnement_thematique" VALUES(15,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(15,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(16,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(17,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(17,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(18,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(19,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(20,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(20,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(21,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(21,'Gérer ses contenus numériques');
INSERT INTO "accompagnement_thematique" VALUES(22,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(23,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(23,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(24,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(24,'Gérer ses contenus numériques');
INSERT INTO "accompagnement_thematique" VALUES(25,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(25,'Santé');
INSERT INTO "accompagnement_thematique" VALUES(26,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(26,'Scolarité et numérique');
INSERT INTO "accompagnement_thematique" VALUES(27,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(28,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(29,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(30,'Santé');
INSERT INTO "accompagnement_thematique" VALUES(31,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(32,'Santé');
INSERT INTO "accompagnement_thematique" VALUES(32,'Maintenance de matériel');
INSERT INTO "accompagnement_thematique" VALUES(33,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(33,'Banque et achats en ligne');
INSERT INTO "accompagnement_thematique" VALUES(34,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(35,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(36,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(37,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(38,'E-mail');
INSERT INTO "accompagnement_thematique" VALUES(38,'Banque et achats en ligne');
INSERT INTO "accompagnement_thematique" VALUES(39,'Réseaux sociaux communication');
INSERT INTO "accompagnement_thematique" VALUES(39,'Gérer ses contenus numériques');
INSERT INTO "accompagnement_thematique" VALUES(40,'Gérer ses contenus numériques');
INSERT INTO "accompagnement_thematique" VALUES(40,'Santé');
INSERT INTO "accompagnement_thematique" VALUES(41,'Maintenance de matériel');
INSERT INTO "accompagnement_thematique" VALUES(41,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(42,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(42,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(43,'Scolarité et numérique');
INSERT INTO "accompagnement_thematique" VALUES(44,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(45,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(45,'Créer avec le numérique');
INSERT INTO "accompagnement_thematique" VALUES(46,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(47,'Prendre en main du matériel');
INSERT INTO "accompagnement_thematique" VALUES(47,'Intelligence artificielle (IA)');
INSERT INTO "accompagnement_thematique" VALUES(48,'Bureautique');
INSERT INTO "accompagnement_thematique" VALUES(49,'Navigation sur internet');
INSERT INTO "accompagnement_thematique" VALUES(50,'Réseaux sociaux communication');
INSERT INTO "accompagnement_thematique" VALUES(50,'Aide aux démarches administratives');
INSERT INTO "accompagnement_thematique" VALUES(51,'Réseaux sociaux communication');
CREATE TABLE agent (
	id INTEGER NOT NULL, 
	login VARCHAR(80) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	password_hash VARCHAR(200) NOT NULL, 
	active BOOLEAN NOT NULL, 
	failed_attempts INTEGER NOT NULL, 
	locked_until DATETIME, 
	must_change_password BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_login_at DATETIME, 
	CONSTRAINT pk_agent PRIMARY KEY (id), 
	CONSTRAINT uq_agent_login UNIQUE (login)
);
INSERT INTO "agent" VALUES(1,'demo','Agent de démonstration','$argon2id$v=19$m=65536,t=3,p=4$tQEd6ubh2N+jYFOw49RKiA$WeExQs3szYswd6yg+FiuZ0sz8OXzjCuPHw9VT6vnWPU',1,0,NULL,0,'2026-11-23 10:28:24.072358',NULL);
INSERT INTO "agent" VALUES(2,'accueil','Camille Accueil (démo)','$argon2id$v=19$m=65536,t=3,p=4$ZJm8hmfTmRa3itHoTAg3Og$35wf9Oucke2SNNS6kXyqHGQv4MRDchTcS2xj4lLhTnw',1,0,NULL,0,'2026-11-23 10:28:24.398464',NULL);
INSERT INTO "agent" VALUES(3,'mediateur','Sacha Médiateur (démo)','$argon2id$v=19$m=65536,t=3,p=4$EWSRvq6Pk0leMr845w0P0Q$Y0D6X9Mq9DijR5//Du74MOOMy0PzcFJ3qIHebpBowdM',1,0,NULL,0,'2026-11-23 10:28:24.701355',NULL);
INSERT INTO "agent" VALUES(4,'aidant','Dominique Aidant (démo)','$argon2id$v=19$m=65536,t=3,p=4$rks3T8NPN8czFD9p16O2tg$J/mRvLhgdLjpHyYNskrpXFVqsIHFqDweqWv0SqV8Xrc',1,0,NULL,0,'2026-11-23 10:28:25.032578',NULL);
INSERT INTO "agent" VALUES(5,'coordinateur','Alix Coordinateur (démo)','$argon2id$v=19$m=65536,t=3,p=4$BIZvonIpmq5EP1Ej4n6C7Q$xNNfBtcnvZ2p2I0fnXCqNYy35WTmclqoWDrwBe5VflM',1,0,NULL,0,'2026-11-23 10:28:25.362227',NULL);
INSERT INTO "agent" VALUES(6,'admin','Claude Administrateur (démo)','$argon2id$v=19$m=65536,t=3,p=4$rKyYn2RiSAdLPmIMl2MovA$u0MRZDvcHKz1dAYRuMvlvqnX7DJibiR7Qisrj9TVrlE',1,0,NULL,0,'2026-11-23 10:28:25.741228',NULL);
CREATE TABLE agent_role (
	id INTEGER NOT NULL, 
	agent_id INTEGER NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	structure_id INTEGER, 
	CONSTRAINT pk_agent_role PRIMARY KEY (id), 
	CONSTRAINT fk_agent_role_agent_id_agent FOREIGN KEY(agent_id) REFERENCES agent (id), 
	CONSTRAINT fk_agent_role_structure_id_structure FOREIGN KEY(structure_id) REFERENCES structure (id), 
	CONSTRAINT uq_agent_role_agent_id_role_structure_id UNIQUE (agent_id, role, structure_id)
);
INSERT INTO "agent_role" VALUES(1,1,'accueil',NULL);
INSERT INTO "agent_role" VALUES(2,1,'mediateur',NULL);
INSERT INTO "agent_role" VALUES(3,1,'aidant',NULL);
INSERT INTO "agent_role" VALUES(4,1,'coordinateur',NULL);
INSERT INTO "agent_role" VALUES(5,1,'administrateur',NULL);
INSERT INTO "agent_role" VALUES(6,1,'accueil',1);
INSERT INTO "agent_role" VALUES(7,1,'mediateur',1);
INSERT INTO "agent_role" VALUES(8,1,'aidant',1);
INSERT INTO "agent_role" VALUES(9,1,'accueil',2);
INSERT INTO "agent_role" VALUES(10,1,'mediateur',2);
INSERT INTO "agent_role" VALUES(11,1,'aidant',2);
INSERT INTO "agent_role" VALUES(12,1,'accueil',3);
INSERT INTO "agent_role" VALUES(13,1,'mediateur',3);
INSERT INTO "agent_role" VALUES(14,1,'aidant',3);
INSERT INTO "agent_role" VALUES(15,1,'accueil',4);
INSERT INTO "agent_role" VALUES(16,1,'mediateur',4);
INSERT INTO "agent_role" VALUES(17,1,'aidant',4);
INSERT INTO "agent_role" VALUES(18,2,'accueil',1);
INSERT INTO "agent_role" VALUES(19,3,'mediateur',3);
INSERT INTO "agent_role" VALUES(20,4,'aidant',2);
INSERT INTO "agent_role" VALUES(21,5,'coordinateur',NULL);
INSERT INTO "agent_role" VALUES(22,6,'administrateur',NULL);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('mediation_0001');
CREATE TABLE audit_entry (
	id INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	agent_id INTEGER, 
	action VARCHAR(80) NOT NULL, 
	entity_type VARCHAR(80), 
	entity_id VARCHAR(80), 
	details JSON NOT NULL, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	CONSTRAINT pk_audit_entry PRIMARY KEY (id), 
	CONSTRAINT fk_audit_entry_agent_id_agent FOREIGN KEY(agent_id) REFERENCES agent (id), 
	CONSTRAINT uq_audit_entry_seq UNIQUE (seq)
);
INSERT INTO "audit_entry" VALUES(1,1,'2026-11-23 10:28:23.681227',NULL,'territoire.configuration','territory','1','{"siren": "241700434", "communes": ["17010", "17028", "17059", "17094", "17109", "17136", "17142", "17153", "17190", "17193", "17194", "17200", "17222", "17245", "17264", "17274", "17291", "17300", "17315", "17373", "17391", "17407", "17413", "17414", "17420", "17443", "17466", "17483"]}','0000000000000000000000000000000000000000000000000000000000000000','8b973b844f155cdbf41011a039ccc7053badb75d84f0d20464424d31faf12670');
INSERT INTO "audit_entry" VALUES(2,2,'2026-11-23 10:28:23.695699',NULL,'structure.creation','structure','1','{}','8b973b844f155cdbf41011a039ccc7053badb75d84f0d20464424d31faf12670','454812930fb483cb14bdfb5d01978a0584e75464ace912db2da8d7656cc3c7f6');
INSERT INTO "audit_entry" VALUES(3,3,'2026-11-23 10:28:23.696673',NULL,'structure.creation','structure','2','{}','454812930fb483cb14bdfb5d01978a0584e75464ace912db2da8d7656cc3c7f6','3771604e37d29df8069ee916ce9cc5ed07db48b09589acdfcce6346317083a1b');
INSERT INTO "audit_entry" VALUES(4,4,'2026-11-23 10:28:23.697470',NULL,'structure.creation','structure','3','{}','3771604e37d29df8069ee916ce9cc5ed07db48b09589acdfcce6346317083a1b','ee7a89c41902709b721c7e9cb1edf22ef85b4a45dda6cfaf1ca7c952ad438686');
INSERT INTO "audit_entry" VALUES(5,5,'2026-11-23 10:28:23.698243',NULL,'structure.creation','structure','4','{}','ee7a89c41902709b721c7e9cb1edf22ef85b4a45dda6cfaf1ca7c952ad438686','8ccc6075db29a4120bf7bbefbd306beba770de194739d0cb9d43add739f18918');
INSERT INTO "audit_entry" VALUES(6,6,'2026-11-23 10:28:24.089405',1,'agent.creation','agent','1','{"roles": [["accueil", null], ["accueil", 1], ["accueil", 2], ["accueil", 3], ["accueil", 4], ["administrateur", null], ["aidant", null], ["aidant", 1], ["aidant", 2], ["aidant", 3], ["aidant", 4], ["coordinateur", null], ["mediateur", null], ["mediateur", 1], ["mediateur", 2], ["mediateur", 3], ["mediateur", 4]]}','8ccc6075db29a4120bf7bbefbd306beba770de194739d0cb9d43add739f18918','9f5709e12d2197959f9dc9873354081c3ff7c72ecb12201ce821f56580f4d5d3');
INSERT INTO "audit_entry" VALUES(7,7,'2026-11-23 10:28:24.410691',1,'agent.creation','agent','2','{"roles": [["accueil", 1]]}','9f5709e12d2197959f9dc9873354081c3ff7c72ecb12201ce821f56580f4d5d3','c519754629ca52f06588426d47991564bb4d1fea5c785fed0cf6eea24be0106b');
INSERT INTO "audit_entry" VALUES(8,8,'2026-11-23 10:28:24.704723',1,'agent.creation','agent','3','{"roles": [["mediateur", 3]]}','c519754629ca52f06588426d47991564bb4d1fea5c785fed0cf6eea24be0106b','bb5feef1130677837496f7c62c44b05df09d697a7c7a841c2f35b17f9b04c140');
INSERT INTO "audit_entry" VALUES(9,9,'2026-11-23 10:28:25.034552',1,'agent.creation','agent','4','{"roles": [["aidant", 2]]}','bb5feef1130677837496f7c62c44b05df09d697a7c7a841c2f35b17f9b04c140','dd1ac6ea1b76224c5d5464da64594c56f35a02d79473bacd960aa4f701554ee4');
INSERT INTO "audit_entry" VALUES(10,10,'2026-11-23 10:28:25.388492',1,'agent.creation','agent','5','{"roles": [["coordinateur", null]]}','dd1ac6ea1b76224c5d5464da64594c56f35a02d79473bacd960aa4f701554ee4','e0cf04bf0adfebe254a45c6c2f27b737a9dfb9b1735d99b60b4492ca00488c75');
INSERT INTO "audit_entry" VALUES(11,11,'2026-11-23 10:28:25.745222',1,'agent.creation','agent','6','{"roles": [["administrateur", null]]}','e0cf04bf0adfebe254a45c6c2f27b737a9dfb9b1735d99b60b4492ca00488c75','90f9bd2bf29f4d45fcc4780be644ba825984baeb9f54c2f3564dacf5eed7bcbf');
INSERT INTO "audit_entry" VALUES(12,12,'2026-11-23 10:28:25.804834',2,'beneficiaire.creation','beneficiaire','1','{"structure_id": 1, "anonyme": false, "doublon_confirme": true, "hors_territoire": false}','90f9bd2bf29f4d45fcc4780be644ba825984baeb9f54c2f3564dacf5eed7bcbf','d2fa52480a478e0117b2d082cc71db6b5c8691cb356b65a08f4c493c363ab0d1');
INSERT INTO "audit_entry" VALUES(13,13,'2026-11-23 10:28:25.806038',2,'beneficiaire.creation','beneficiaire','2','{"structure_id": 1, "anonyme": false, "doublon_confirme": true, "hors_territoire": false}','d2fa52480a478e0117b2d082cc71db6b5c8691cb356b65a08f4c493c363ab0d1','6a8e4ede0f6f981e5892c4112685633fb7fd8acfdaa348ed8c2052bafa674260');
INSERT INTO "audit_entry" VALUES(14,14,'2026-11-23 10:28:25.811160',2,'beneficiaire.creation','beneficiaire','3','{"structure_id": 1, "anonyme": false, "doublon_confirme": true, "hors_territoire": false}','6a8e4ede0f6f981e5892c4112685633fb7fd8acfdaa348ed8c2052bafa674260','13d9312c9b82249541db249366f80aeed394cb18e496349573601ff955b7efc3');
INSERT INTO "audit_entry" VALUES(15,15,'2026-11-23 10:28:25.812411',2,'beneficiaire.creation','beneficiaire','4','{"structure_id": 1, "anonyme": false, "doublon_confirme": true, "hors_territoire": false}','13d9312c9b82249541db249366f80aeed394cb18e496349573601ff955b7efc3','12e751aeb2779ef7690f1cb20a7d5c4bd00e96c7078c39845b78f834bf4fd894');
INSERT INTO "audit_entry" VALUES(16,16,'2026-11-23 10:28:25.813147',2,'beneficiaire.creation','beneficiaire','5','{"structure_id": 1, "anonyme": false, "doublon_confirme": true, "hors_territoire": false}','12e751aeb2779ef7690f1cb20a7d5c4bd00e96c7078c39845b78f834bf4fd894','c2fd5dc3f6d2185870344c4d6c9a437c9fb0ea3c5a1a4bca15e1f068345dbabe');
INSERT INTO "audit_entry" VALUES(17,17,'2026-11-23 10:28:25.815389',2,'diagnostic.creation','diagnostic','1','{"beneficiaire_id": 1, "structure_id": 1}','c2fd5dc3f6d2185870344c4d6c9a437c9fb0ea3c5a1a4bca15e1f068345dbabe','c348970ff7dae4dc853630c6b1b572805e7323497d03a9d860601297e7f63ac3');
INSERT INTO "audit_entry" VALUES(18,18,'2026-11-23 10:28:25.828946',2,'accompagnement.creation','accompagnement','1','{"structure_id": 1, "type": "Accompagnement individuel", "beneficiaires": [1], "anonymes": 0}','c348970ff7dae4dc853630c6b1b572805e7323497d03a9d860601297e7f63ac3','7b3ae5590991f8c5364f6317059115aa6ef19015bd28f87923c8c380b9928e3a');
CREATE TABLE beneficiaire (
	id INTEGER NOT NULL, 
	structure_id INTEGER NOT NULL, 
	anonyme BOOLEAN NOT NULL, 
	nom VARCHAR(120), 
	prenom VARCHAR(120), 
	nom_cle VARCHAR(120), 
	prenom_cle VARCHAR(120), 
	annee_naissance INTEGER, 
	date_naissance DATE, 
	genre VARCHAR(20) NOT NULL, 
	tranche_age_declaree VARCHAR(30), 
	statut VARCHAR(40) NOT NULL, 
	commune_insee VARCHAR(5), 
	telephone VARCHAR(20), 
	email VARCHAR(200), 
	notes TEXT, 
	consentement_at DATETIME, 
	consentement_agent_id INTEGER, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	derniere_activite_at DATETIME NOT NULL, 
	efface BOOLEAN NOT NULL, 
	CONSTRAINT pk_beneficiaire PRIMARY KEY (id), 
	CONSTRAINT fk_beneficiaire_consentement_agent_id_agent FOREIGN KEY(consentement_agent_id) REFERENCES agent (id), 
	CONSTRAINT fk_beneficiaire_structure_id_structure FOREIGN KEY(structure_id) REFERENCES structure (id)
);
INSERT INTO "beneficiaire" VALUES(1,1,0,'Lefèvre','Béatrice','lefevre','beatrice',1948,NULL,'Féminin',NULL,'Retraité','17300','+33546112233',NULL,NULL,'2026-11-23 10:28:25.785363',2,'2026-11-23 10:28:25.785363','2026-11-23 10:28:25.813972','2026-11-23 10:28:25.813487',0);
INSERT INTO "beneficiaire" VALUES(2,1,0,'Crépeau','Hélène','crepeau','helene',1961,NULL,'Féminin',NULL,'Sans emploi','17300','+33612345678',NULL,NULL,'2026-11-23 10:28:25.805359',2,'2026-11-23 10:28:25.805359','2026-11-23 10:28:25.805359','2026-11-23 10:28:25.805359',0);
INSERT INTO "beneficiaire" VALUES(3,1,0,'Dupré','François','dupre','francois',1990,NULL,'Masculin',NULL,'En emploi','17300',NULL,NULL,NULL,'2026-11-23 10:28:25.806344',2,'2026-11-23 10:28:25.806344','2026-11-23 10:28:25.806344','2026-11-23 10:28:25.806344',0);
INSERT INTO "beneficiaire" VALUES(4,1,0,'Lemaître','Zoé','lemaitre','zoe',2009,NULL,'Féminin',NULL,'Scolarisé','17300',NULL,NULL,NULL,'2026-11-23 10:28:25.811769',2,'2026-11-23 10:28:25.811769','2026-11-23 10:28:25.811769','2026-11-23 10:28:25.811769',0);
INSERT INTO "beneficiaire" VALUES(5,1,0,'CREPEAU','Helene','crepeau','helene',NULL,NULL,'Non communiqué',NULL,'Non communiqué ou hétérogène',NULL,'+33612345678','h.crepeau@exemple.fr',NULL,NULL,NULL,'2026-11-23 10:28:25.812745','2026-11-23 10:28:25.812745','2026-11-23 10:28:25.812745',0);
INSERT INTO "beneficiaire" VALUES(6,4,0,'Chevalier','Monique','chevalier','monique',1980,NULL,'Féminin',NULL,'Retraité','17059','+33610000006',NULL,NULL,'2026-05-17 10:28:25.829719',1,'2026-05-17 10:28:25.829719','2026-05-17 10:28:25.829719','2026-09-26 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(7,3,0,'Mercier','Cécile','mercier','cecile',1939,NULL,'Féminin',NULL,'Scolarisé','17483',NULL,NULL,NULL,'2026-10-03 10:28:25.829719',3,'2026-10-03 10:28:25.829719','2026-10-03 10:28:25.829719','2026-10-03 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(8,1,0,'Châtelier','Raphaël','chatelier','raphael',1998,NULL,'Masculin',NULL,'Sans emploi','17245',NULL,NULL,NULL,'2025-04-06 10:28:25.829719',2,'2025-04-06 10:28:25.829719','2025-04-06 10:28:25.829719','2025-12-17 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(9,3,0,'Gauthier','Alain','gauthier','alain',1982,NULL,'Masculin',NULL,'Sans emploi','17443',NULL,NULL,NULL,'2026-04-10 10:28:25.829719',3,'2026-04-10 10:28:25.829719','2026-04-10 10:28:25.829719','2026-11-10 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(10,3,0,'Gaudré','Benoît','gaudre','benoit',1992,NULL,'Masculin',NULL,'Non communiqué ou hétérogène','17136',NULL,NULL,NULL,'2024-12-28 10:28:25.829719',3,'2024-12-28 10:28:25.829719','2024-12-28 10:28:25.829719','2026-11-03 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(11,4,0,'Aubert','Stéphane','aubert','stephane',2013,NULL,'Masculin',NULL,'Non communiqué ou hétérogène','17136',NULL,NULL,NULL,'2025-06-11 10:28:25.829719',1,'2025-06-11 10:28:25.829719','2025-06-11 10:28:25.829719','2026-09-10 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(12,1,0,'Rousseau','Joël','rousseau','joel',1941,NULL,'Masculin',NULL,'Sans emploi','17222','+33610000012','joel.12@exemple.fr',NULL,'2026-09-23 10:28:25.829719',2,'2026-09-23 10:28:25.829719','2026-09-23 10:28:25.829719','2026-09-23 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(13,4,0,'Leclerc','Sophie','leclerc','sophie',1934,NULL,'Féminin',NULL,'Scolarisé','17142','+33610000013',NULL,NULL,'2025-12-20 10:28:25.829719',1,'2025-12-20 10:28:25.829719','2025-12-20 10:28:25.829719','2025-12-20 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(14,1,1,NULL,NULL,NULL,NULL,1942,NULL,'Masculin',NULL,'Retraité','17194',NULL,NULL,NULL,NULL,NULL,'2026-07-16 10:28:25.829719','2026-07-16 10:28:25.829719','2026-09-15 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(15,4,0,'Guillot','Rémi','guillot','remi',NULL,NULL,'Masculin','18 - 24 ans','Retraité','17407',NULL,NULL,NULL,'2022-10-21 10:28:25.829719',1,'2022-10-21 10:28:25.829719','2022-10-21 10:28:25.829719','2022-10-21 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(16,1,0,'Arnaud','Hugo','arnaud','hugo',1987,NULL,'Masculin',NULL,'Retraité',NULL,'+33610000016',NULL,NULL,'2026-04-23 10:28:25.829719',2,'2026-04-23 10:28:25.829719','2026-04-23 10:28:25.829719','2026-05-18 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(17,2,0,'Perrin','Louis','perrin','louis',1988,NULL,'Masculin',NULL,'Non communiqué ou hétérogène','17200','+33610000017',NULL,NULL,'2026-06-27 10:28:25.829719',4,'2026-06-27 10:28:25.829719','2026-06-27 10:28:25.829719','2026-06-27 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(18,2,0,'Guérin','Louis','guerin','louis',2009,NULL,'Masculin',NULL,'Retraité','17190','+33610000018',NULL,NULL,'2026-01-13 10:28:25.829719',4,'2026-01-13 10:28:25.829719','2026-01-13 10:28:25.829719','2026-10-28 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(19,1,0,'Ménard','Cécile','menard','cecile',1985,NULL,'Féminin',NULL,'Scolarisé','17391','+33610000019',NULL,NULL,'2025-10-14 10:28:25.829719',2,'2025-10-14 10:28:25.829719','2025-10-14 10:28:25.829719','2026-06-08 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(20,3,0,'Marchand','Hélène','marchand','helene',1935,NULL,'Féminin',NULL,'Non communiqué ou hétérogène','17194',NULL,NULL,NULL,'2025-06-13 10:28:25.829719',3,'2025-06-13 10:28:25.829719','2025-06-13 10:28:25.829719','2026-11-17 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(21,4,0,'Mérand','Inès','merand','ines',1987,NULL,'Féminin',NULL,'Sans emploi','17153','+33610000021',NULL,NULL,'2025-09-18 10:28:25.829719',1,'2025-09-18 10:28:25.829719','2025-09-18 10:28:25.829719','2026-10-20 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(22,1,0,'Fournier','Anaïs','fournier','anais',1951,NULL,'Féminin',NULL,'Retraité','17200',NULL,NULL,NULL,'2025-10-07 10:28:25.829719',2,'2025-10-07 10:28:25.829719','2025-10-07 10:28:25.829719','2026-04-15 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(23,3,0,'Hérault','Théo','herault','theo',2013,NULL,'Non communiqué',NULL,'Retraité','17136','+33610000023',NULL,NULL,'2025-08-30 10:28:25.829719',3,'2025-08-30 10:28:25.829719','2025-08-30 10:28:25.829719','2026-07-30 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(24,1,1,NULL,NULL,NULL,NULL,1945,NULL,'Masculin',NULL,'Sans emploi','17443',NULL,NULL,NULL,NULL,NULL,'2026-02-21 10:28:25.829719','2026-02-21 10:28:25.829719','2026-10-23 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(25,2,0,'Rivière','Léa','riviere','lea',1968,NULL,'Féminin',NULL,'Scolarisé','17109',NULL,'lea.25@exemple.fr',NULL,'2025-07-28 10:28:25.829719',4,'2025-07-28 10:28:25.829719','2025-07-28 10:28:25.829719','2026-09-15 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(26,1,0,'Marchand','Marie','marchand','marie',1957,NULL,'Féminin',NULL,'Scolarisé','17136',NULL,NULL,NULL,'2025-11-18 10:28:25.829719',2,'2025-11-18 10:28:25.829719','2025-11-18 10:28:25.829719','2026-09-26 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(27,3,0,'Lefèvre','Hélène','lefevre','helene',NULL,NULL,'Féminin','60 - 69 ans','Retraité','17222','+33610000027',NULL,NULL,'2026-01-21 10:28:25.829719',3,'2026-01-21 10:28:25.829719','2026-01-21 10:28:25.829719','2026-01-21 10:28:25.829719',0);
INSERT INTO "beneficiaire" VALUES(28,4,0,'Bouyer','Régis','bouyer','regis',NULL,NULL,'Masculin','40 - 59 ans','Non communiqué ou hétérogène','17466','+33610000028',NULL,NULL,'2026-10-14 10:28:25.829719',1,'2026-10-14 10:28:25.829719','2026-10-14 10:28:25.829719','2026-11-23 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(29,1,0,'Barbier','Bernard','barbier','bernard',1979,NULL,'Masculin',NULL,'En emploi','17407','+33610000029',NULL,NULL,'2026-06-05 10:28:25.829719',2,'2026-06-05 10:28:25.829719','2026-06-05 10:28:25.829719','2026-09-06 12:00:00.000000',0);
INSERT INTO "beneficiaire" VALUES(30,3,0,'Fontaine','Nathalie','fontaine','nathalie',1943,NULL,'Féminin',NULL,'En emploi','17264','+33610000030','nathalie.30@exemple.fr',NULL,'2026-03-25 10:28:25.829719',3,'2026-03-25 10:28:25.829719','2026-03-25 10:28:25.829719','2026-04-15 12:00:00.000000',0);
CREATE TABLE diagnostic (
	id INTEGER NOT NULL, 
	beneficiaire_id INTEGER NOT NULL, 
	structure_id INTEGER NOT NULL, 
	agent_id INTEGER NOT NULL, 
	date DATE NOT NULL, 
	equipement JSON NOT NULL, 
	connexion_domicile BOOLEAN, 
	usages JSON NOT NULL, 
	thematiques JSON NOT NULL, 
	autonomie VARCHAR(60), 
	aide_entourage BOOLEAN, 
	abc_diag_score INTEGER, 
	notes TEXT, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_diagnostic PRIMARY KEY (id), 
	CONSTRAINT fk_diagnostic_agent_id_agent FOREIGN KEY(agent_id) REFERENCES agent (id), 
	CONSTRAINT fk_diagnostic_beneficiaire_id_beneficiaire FOREIGN KEY(beneficiaire_id) REFERENCES beneficiaire (id), 
	CONSTRAINT fk_diagnostic_structure_id_structure FOREIGN KEY(structure_id) REFERENCES structure (id)
);
INSERT INTO "diagnostic" VALUES(1,1,1,2,'2026-11-03','["Smartphone"]',0,'["Appels et SMS"]','["E-mail", "Aide aux d\u00e9marches administratives"]','Avec guidage',0,35,NULL,'2026-11-23 10:28:25.814729');
INSERT INTO "diagnostic" VALUES(2,6,4,1,'2026-05-17','["Smartphone", "Ordinateur"]',0,'["Aucun usage", "R\u00e9seaux sociaux"]','["R\u00e9seaux sociaux communication", "Bureautique"]','Autonome avec guidage en cas de besoin',0,NULL,NULL,'2026-05-17 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(3,8,1,2,'2025-04-06','["Smartphone", "T\u00e9l\u00e9phone simple"]',0,'["R\u00e9seaux sociaux"]','["Accompagner un professionnel"]','Autonome avec guidage en cas de besoin',0,NULL,NULL,'2025-04-06 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(4,11,4,1,'2025-06-11','["Ordinateur"]',1,'["Navigation sur internet", "Appels et SMS", "E-mail"]','["Prendre en main du mat\u00e9riel"]','Avec guidage',1,NULL,NULL,'2025-06-11 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(5,17,2,4,'2026-06-27','["Smartphone"]',1,'["Aucun usage", "Navigation sur internet", "Achats et banque en ligne"]','["Pr\u00e9vention en s\u00e9curit\u00e9 num\u00e9rique", "G\u00e9rer ses contenus num\u00e9riques", "R\u00e9seaux sociaux communication"]','Autonome avec guidage en cas de besoin',0,NULL,NULL,'2026-06-27 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(6,18,2,4,'2026-01-13','["Ordinateur", "T\u00e9l\u00e9phone simple"]',0,'["Navigation sur internet", "Appels et SMS"]','["Accompagner un professionnel", "Parentalit\u00e9"]','Autonome avec guidage en cas de besoin',0,NULL,NULL,'2026-01-13 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(7,21,4,1,'2025-09-18','["Ordinateur", "T\u00e9l\u00e9phone simple"]',0,'["D\u00e9marches en ligne", "E-mail", "Achats et banque en ligne"]','["Sant\u00e9", "Scolarit\u00e9 et num\u00e9rique", "Parentalit\u00e9"]','Autonome',1,94,NULL,'2025-09-18 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(8,25,2,4,'2025-07-28','["Ordinateur", "T\u00e9l\u00e9phone simple"]',0,'["R\u00e9seaux sociaux", "Aucun usage"]','["G\u00e9rer ses contenus num\u00e9riques", "Accompagner un professionnel"]','Autonome',1,NULL,NULL,'2025-07-28 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(9,27,3,3,'2026-01-21','["Tablette"]',1,'["D\u00e9marches en ligne"]','["Navigation sur internet", "Intelligence artificielle (IA)", "G\u00e9rer ses contenus num\u00e9riques"]','Autonome avec guidage en cas de besoin',1,NULL,NULL,'2026-01-21 10:28:25.829719');
INSERT INTO "diagnostic" VALUES(10,29,1,2,'2026-06-05','["Smartphone", "T\u00e9l\u00e9phone simple"]',1,'["Aucun usage", "Navigation sur internet", "Achats et banque en ligne"]','["G\u00e9rer ses contenus num\u00e9riques", "Parentalit\u00e9", "Accompagner un professionnel"]','Autonome avec guidage en cas de besoin',0,NULL,NULL,'2026-06-05 10:28:25.829719');
CREATE TABLE installation_setting (
	"key" VARCHAR(80) NOT NULL, 
	value JSON NOT NULL, 
	CONSTRAINT pk_installation_setting PRIMARY KEY ("key")
);
INSERT INTO "installation_setting" VALUES('demonstration','true');
CREATE TABLE participants_anonymes (
	accompagnement_id INTEGER NOT NULL, 
	genre VARCHAR(20) NOT NULL, 
	tranche_age VARCHAR(30) NOT NULL, 
	statut VARCHAR(40) NOT NULL, 
	nombre INTEGER NOT NULL, 
	CONSTRAINT pk_participants_anonymes PRIMARY KEY (accompagnement_id, genre, tranche_age, statut), 
	CONSTRAINT ck_participants_anonymes_nombre_positif CHECK (nombre > 0), 
	CONSTRAINT fk_participants_anonymes_accompagnement_id_accompagnement FOREIGN KEY(accompagnement_id) REFERENCES accompagnement (id) ON DELETE CASCADE
);
INSERT INTO "participants_anonymes" VALUES(14,'Non communiqué','40 - 59 ans','Sans emploi',4);
INSERT INTO "participants_anonymes" VALUES(20,'Non communiqué','25 - 39 ans','Non communiqué ou hétérogène',1);
INSERT INTO "participants_anonymes" VALUES(33,'Masculin','Moins de 12 ans','Sans emploi',2);
INSERT INTO "participants_anonymes" VALUES(49,'Féminin','18 - 24 ans','Scolarisé',3);
CREATE TABLE structure (
	id INTEGER NOT NULL, 
	nom VARCHAR(200) NOT NULL, 
	siret VARCHAR(14), 
	adresse VARCHAR(300) NOT NULL, 
	code_postal VARCHAR(5) NOT NULL, 
	commune_insee VARCHAR(5), 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_structure PRIMARY KEY (id), 
	CONSTRAINT uq_structure_siret UNIQUE (siret)
);
INSERT INTO "structure" VALUES(1,'Médiathèque centrale (démo)','99900000010002','1 place des Livres','17000','17300',1,'2026-11-23 10:28:23.695047');
INSERT INTO "structure" VALUES(2,'France Services Quartier Nord (démo)','99900000020001','2 rue du Port','17000','17300',1,'2026-11-23 10:28:23.696407');
INSERT INTO "structure" VALUES(3,'Association Clic Solidaire (démo)','99900000030000','3 allée des Tilleuls','17440','17028',1,'2026-11-23 10:28:23.697219');
INSERT INTO "structure" VALUES(4,'Espace numérique de Lagord (démo)','99900000040009','4 rue des Écoles','17140','17200',1,'2026-11-23 10:28:23.698002');
CREATE TABLE territory (
	id INTEGER NOT NULL, 
	nom VARCHAR(200) NOT NULL, 
	siren VARCHAR(9), 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_territory PRIMARY KEY (id), 
	CONSTRAINT ck_territory_single_row CHECK (id = 1)
);
INSERT INTO "territory" VALUES(1,'Communauté d''agglomération de La Rochelle','241700434','2026-11-23 10:28:23.673163');
CREATE TABLE territory_commune (
	code_insee VARCHAR(5) NOT NULL, 
	nom VARCHAR(200) NOT NULL, 
	population INTEGER, 
	CONSTRAINT pk_territory_commune PRIMARY KEY (code_insee)
);
INSERT INTO "territory_commune" VALUES('17010','Angoulins',4117);
INSERT INTO "territory_commune" VALUES('17028','Aytré',9578);
INSERT INTO "territory_commune" VALUES('17059','Bourgneuf',1418);
INSERT INTO "territory_commune" VALUES('17094','Châtelaillon-Plage',6227);
INSERT INTO "territory_commune" VALUES('17109','Clavette',1441);
INSERT INTO "territory_commune" VALUES('17136','Croix-Chapeau',1337);
INSERT INTO "territory_commune" VALUES('17142','Dompierre-sur-Mer',5961);
INSERT INTO "territory_commune" VALUES('17153','Esnandes',2103);
INSERT INTO "territory_commune" VALUES('17190','L''Houmeau',2907);
INSERT INTO "territory_commune" VALUES('17193','La Jarne',2591);
INSERT INTO "territory_commune" VALUES('17194','La Jarrie',3414);
INSERT INTO "territory_commune" VALUES('17200','Lagord',7387);
INSERT INTO "territory_commune" VALUES('17222','Marsilly',3194);
INSERT INTO "territory_commune" VALUES('17245','Montroy',918);
INSERT INTO "territory_commune" VALUES('17264','Nieul-sur-Mer',5798);
INSERT INTO "territory_commune" VALUES('17274','Périgny',8741);
INSERT INTO "territory_commune" VALUES('17291','Puilboreau',6635);
INSERT INTO "territory_commune" VALUES('17300','La Rochelle',78535);
INSERT INTO "territory_commune" VALUES('17315','Saint-Christophe',1389);
INSERT INTO "territory_commune" VALUES('17373','Saint-Médard-d''Aunis',2349);
INSERT INTO "territory_commune" VALUES('17391','Saint-Rogatien',2408);
INSERT INTO "territory_commune" VALUES('17407','Sainte-Soulle',4961);
INSERT INTO "territory_commune" VALUES('17413','Saint-Vivien',1393);
INSERT INTO "territory_commune" VALUES('17414','Saint-Xandre',5384);
INSERT INTO "territory_commune" VALUES('17420','Salles-sur-Mer',2350);
INSERT INTO "territory_commune" VALUES('17443','Thairé',1837);
INSERT INTO "territory_commune" VALUES('17466','Vérines',2339);
INSERT INTO "territory_commune" VALUES('17483','Yves',1505);
CREATE INDEX ix_agent_role_agent_id ON agent_role (agent_id);
CREATE INDEX ix_audit_entry_action ON audit_entry (action);
CREATE INDEX ix_audit_entry_agent_id ON audit_entry (agent_id);
CREATE INDEX ix_audit_entry_entity ON audit_entry (entity_type, entity_id);
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit journal is append-only'); END;
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit journal is append-only'); END;
CREATE INDEX ix_accompagnement_agent_id ON accompagnement (agent_id);
CREATE INDEX ix_accompagnement_date ON accompagnement (date);
CREATE INDEX ix_accompagnement_structure_date ON accompagnement (structure_id, date);
CREATE INDEX ix_beneficiaire_commune_insee ON beneficiaire (commune_insee);
CREATE INDEX ix_beneficiaire_derniere_activite_at ON beneficiaire (derniere_activite_at);
CREATE INDEX ix_beneficiaire_email ON beneficiaire (email);
CREATE INDEX ix_beneficiaire_nom_cle ON beneficiaire (nom_cle, prenom_cle, id, structure_id, efface);
CREATE INDEX ix_beneficiaire_prenom_cle ON beneficiaire (prenom_cle, nom_cle, id, structure_id, efface);
CREATE INDEX ix_beneficiaire_structure_id ON beneficiaire (structure_id);
CREATE INDEX ix_beneficiaire_telephone ON beneficiaire (telephone);
CREATE INDEX ix_accompagnement_participant_beneficiaire_id ON accompagnement_participant (beneficiaire_id);
CREATE INDEX ix_accompagnement_thematique_thematique ON accompagnement_thematique (thematique);
CREATE INDEX ix_diagnostic_beneficiaire_id ON diagnostic (beneficiaire_id);
COMMIT;
